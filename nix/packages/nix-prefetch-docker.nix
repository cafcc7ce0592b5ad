# nix-prefetch-docker: prints a pullImage call (or JSON) for an image, with the
# hash of the archive this library's pullImage writes (python/stowage/cli/nix_prefetch_docker.py).
{ step, tools }:
step.run {
  who = "nix-prefetch-docker";
  name = "nix-prefetch-docker";
  command = "write-launcher";
  request = {
    version = 2;
    inherit (tools) python;
    source = "${step.source}";
    module = "stowage.cli.nix_prefetch_docker";
    args = [ ];
    bin = "nix-prefetch-docker";
  };
}
