# toOCILayout: any docker-archive as an OCI image layout directory.
{
  ociInput,
  step,
  compressors,
  sbom,
  # toOCIArchive for the layout it archives.
  who ? "toOCILayout",
}:
image:
let
  valid = ociInput.checked who image;
in
step.run {
  inherit who;
  name = "${ociInput.stem valid}-oci";
  command = "oci-layout";
  request = {
    version = 3;
    image = "${valid}";
    compressors = compressors.programs;
  }
  # An image of this library: its manifest's annotations and its SBOMs (none for
  # other archives); see python/stowage/formats/oci_referrers.py.
  // (if (valid.annotations or { }) == { } then { } else { inherit (valid) annotations; })
  // (if sbom.layoutAttachments valid == [ ] then { } else { attachments = sbom.layoutAttachments valid; });
}
