# toOCILayout: any docker-archive as an OCI image layout directory.
{ ociInput, step, compressors }:
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
  };
}
