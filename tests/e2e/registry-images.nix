# Images the registry tests push, pull back and build upon, in the mode of ./mode.nix.
{
  mode ? import ./mode.nix { },
  stowage ? mode.stowage,
  packages ? mode.packages,
}:
let
  marked =
    architecture:
    stowage.buildLayeredImage {
      name = "registry-test/app";
      tag = architecture;
      compressor = "none";
      inherit architecture;
      contents = [ packages.busybox ];
      config = {
        Cmd = [ "/bin/sh" "-c" "cat /etc/marker" ];
        Env = [ "FROM_PULLED=yes" ];
      };
      extraCommands = "mkdir -p etc; echo 'pulled ${architecture}' > etc/marker";
    };
in
{
  amd64 = marked "amd64";
  # Not runnable here; only its configuration is read back.
  arm64 = marked "arm64";
}
