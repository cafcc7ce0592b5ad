# stowage: Docker and OCI images from Nix store paths; a drop-in for dockerTools.
#
#   import ./. { }                               host mode: the host's python3 and sh
#                                                (needs the Nix sandbox off)
#   import ./. { pkgs = import <nixpkgs> { }; }  tools from nixpkgs
#
# system: the platform the image is for; localSystem: where the builders run.
{
  pkgs ? null,
  system ? (if pkgs == null then builtins.currentSystem else pkgs.stdenv.hostPlatform.system),
  localSystem ? (if pkgs == null then builtins.currentSystem else pkgs.stdenv.buildPlatform.system),
}:
import ./nix { inherit pkgs system localSystem; }
