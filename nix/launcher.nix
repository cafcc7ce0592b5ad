# An executable this library installs (python/stowage/cli/write_launcher.py): the
# library's python3 running `module`'s main with `args` before its own, from the
# part of python/ that module imports. With `bin`, a package with bin/<bin>.
# The stream of streamLayeredImage, copyToRegistry and the engine loaders,
# nix-prefetch-docker.
{ step, tools }:
{
  who,
  name,
  module,
  args ? [ ],
  bin ? null,
}:
step.run {
  inherit who name;
  command = "write-launcher";
  request = {
    version = 2;
    inherit (tools) python;
    source = "${step.sourceFor module}";
    inherit module args;
  }
  // (if bin == null then { } else { inherit bin; });
}
