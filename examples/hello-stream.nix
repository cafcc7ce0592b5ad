# The same image as hello.nix, as a stream script: `$(nix-build examples/hello-stream.nix) | docker load`.
{
  stowage ? import ../. { },
  packages ? import ./packages.nix { },
  # false: no import from derivation (what `nix flake check` needs for other systems)
  cachedLayers ? true,
}:
stowage.streamLayeredImage {
  name = "hello";
  tag = "stream";
  contents = [ packages.hello ];
  config.Cmd = [ "/bin/hello" ];
  inherit cachedLayers;
}
