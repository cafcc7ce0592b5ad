# toOCIArchive: any docker-archive as an oci-archive, a tarball of its OCI layout
# (made by toOCILayout).
{ ociInput, step, toOCILayout }:
image:
let
  who = "toOCIArchive";
  valid = ociInput.checked who image;
in
step.run {
  inherit who;
  name = "${ociInput.stem valid}-oci.tar";
  command = "oci-archive";
  request = {
    version = 2;
    layout = "${toOCILayout valid}";
  };
}
