# nix-prefetch-docker: prints a pullImage call (or JSON) for an image, with the
# hash of the archive this library's pullImage writes (python/stowage/cli/nix_prefetch_docker.py).
{ step, tools }:
step.run {
  name = "nix-prefetch-docker";
  command = "write-launcher";
  request = {
    version = 1;
    inherit (tools) python;
    source = "${step.sourceFor "stowage.cli.nix_prefetch_docker"}";
    module = "stowage.cli.nix_prefetch_docker";
    args = [ ];
    bin = "nix-prefetch-docker";
  };
}
