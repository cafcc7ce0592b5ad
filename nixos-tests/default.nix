# The NixOS VM tests (need nixpkgs and KVM):
#   nix-build nixos-tests -A docker-tools -I nixpkgs=/path/to/nixpkgs
#  - docker-tools: nixpkgs' docker-tools test (its examples and cases) against this library;
#  - smoke: a few images of this library's own, in Docker.
{
  pkgs ? import <nixpkgs> { },
}:
{
  docker-tools = import ./docker-tools.nix { inherit pkgs; };
  smoke = import ./smoke.nix { inherit pkgs; };
}
