# The same image as hello.nix, as a stream script: `$(nix-build examples/hello-stream.nix) | docker load`.
{
  stowage ? import ../. { },
  packages ? import ./packages.nix { },
}:
stowage.streamLayeredImage {
  name = "hello";
  tag = "stream";
  contents = [ packages.hello ];
  config.Cmd = [ "/bin/hello" ];
}
