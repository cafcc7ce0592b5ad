# Images the registry tests push, pull back and build upon. Host mode.
{
  stowage ? import ../.. { },
  packages ? import ../../examples/packages.nix { },
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
