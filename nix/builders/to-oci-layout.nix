# toOCILayout: any docker-archive as an OCI image layout directory.
{
  ociInput,
  step,
  compressors,
  sbom,
}:
image:
let
  valid = ociInput.checked "toOCILayout" image;
in
step.run {
  name = "${ociInput.stem valid}-oci";
  command = "oci-layout";
  request = {
    version = 2;
    image = "${valid}";
    compressors = compressors.programs;
  }
  # An image of this library: its manifest's annotations and its SBOMs (none for
  # other archives); see python/stowage/formats/oci_referrers.py.
  // (if (valid.annotations or { }) == { } then { } else { inherit (valid) annotations; })
  // (if sbom.layoutAttachments valid == [ ] then { } else { attachments = sbom.layoutAttachments valid; });
}
