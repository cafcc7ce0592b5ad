# toOCIArchive: any docker-archive as an oci-archive, a tarball of its OCI layout
# (made by toOCILayout).
{ ociInput, step, toOCILayout }:
image:
let
  valid = ociInput.checked "toOCIArchive" image;
in
step.run {
  name = "${ociInput.stem valid}-oci.tar";
  command = "oci-archive";
  request = {
    version = 1;
    layout = "${toOCILayout valid}";
  };
}
