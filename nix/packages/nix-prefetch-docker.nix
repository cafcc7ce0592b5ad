# nix-prefetch-docker: prints a pullImage call (or JSON) for an image, with the
# hash of the archive this library's pullImage writes (python/stowage/cli/nix_prefetch_docker.py).
{ launch }:
launch {
  who = "nix-prefetch-docker";
  name = "nix-prefetch-docker";
  module = "stowage.cli.nix_prefetch_docker";
  bin = "nix-prefetch-docker";
}
