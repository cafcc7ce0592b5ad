# toOCILayout: any docker-archive as an OCI image layout directory.
{ ociInput, step, tools }:
image:
let
  valid = ociInput.checked "toOCILayout" image;
in
step.run {
  name = "${ociInput.stem valid}-oci";
  command = "oci-layout";
  request = {
    version = 1;
    image = "${valid}";
    inherit (tools) zstd;
  };
}
