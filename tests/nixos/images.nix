# The images of nixos-tests/ for tests/nixos/test_docker_tools.py, built in the
# test mode (tests/e2e/mode.nix): the library in host mode, or in nixpkgs mode
# with the stand-in. The packages are the stand-in's in both (with the trivial
# builders of tests/nixpkgs-stand-in/extra.nix), so the two passes build the same
# package paths and the images differ only by the library's mode.
#   nix-build tests/nixos/images.nix --arg wanted '[ "examples.bash" ]' -A images
{
  wanted,
}:
let
  mode = import ../e2e/mode.nix { };
  pkgs = import ../nixpkgs-stand-in/extra.nix { };
  dockerTools = mode.stowage;
in
import ../../nixos-tests/values.nix {
  inherit pkgs wanted;
  examples = import ../../nixos-tests/examples.nix { inherit pkgs dockerTools; };
  testImages = import ../../nixos-tests/test-images.nix { inherit pkgs dockerTools; };
}
