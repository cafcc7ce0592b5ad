# The quick-start image: a static hello on its own, run as `docker run hello:latest`.
{
  stowage ? import ../. { },
  packages ? import ./packages.nix { },
}:
stowage.buildLayeredImage {
  name = "hello";
  tag = "latest";
  contents = [ packages.hello ];
  config.Cmd = [ "/bin/hello" ];
}
