# The image as a docker-archive file, compressed by one row of compressors.nix
# (python/stowage/cli/build_layered.py): buildLayeredImage's and buildImage's output.
{ step, compressors }:
{
  who,
  name,
  planned,
  compressor,
}:
let
  row = compressors.byName.${compressor};
in
step.run {
  inherit who;
  name = "${name}.tar${row.extension}";
  command = "build-layered-image";
  request = {
    version = 3;
    plan = "${planned.conf}/plan.json";
    compressor = { inherit (row) name program level; };
  };
}
