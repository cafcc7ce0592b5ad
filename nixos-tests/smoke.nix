# NixOS VM test: images built by stowage (nixpkgs mode) are loaded and run by the
# Docker engine of a NixOS machine. Needs nixpkgs and KVM:
#   nix-build nixos-tests -A smoke -I nixpkgs=/path/to/nixpkgs
# (The machines this project is developed on have neither; tests/e2e covers the
# same ground with the host's Docker engine and podman.)
{
  pkgs ? import <nixpkgs> { },
}:
let
  stowage = import ../. { inherit pkgs; };

  hello = stowage.buildLayeredImage {
    name = "hello";
    tag = "latest";
    contents = [ pkgs.hello ];
    config.Cmd = [ "/bin/hello" ];
  };

  helloStream = stowage.streamLayeredImage {
    name = "hello-stream";
    tag = "latest";
    contents = [ pkgs.hello ];
    config.Cmd = [ "/bin/hello" ];
  };

  onTop = stowage.buildLayeredImage {
    name = "on-top";
    tag = "latest";
    fromImage = hello;
    contents = [ pkgs.busybox ];
    config.Env = [ "CHILD=1" ];
  };
in
pkgs.testers.runNixOSTest {
  name = "stowage-docker";
  nodes.machine = {
    virtualisation.docker.enable = true;
    virtualisation.diskSize = 2048;
  };
  testScript = ''
    machine.wait_for_unit("sockets.target")
    machine.succeed("docker load < ${hello}")
    machine.succeed("docker run --rm hello:latest | grep 'Hello, world!'")
    machine.succeed("${helloStream} | docker load")
    machine.succeed("docker run --rm hello-stream:latest | grep 'Hello, world!'")
    machine.succeed("docker run --rm --user 1000:1000 hello:latest | grep 'Hello, world!'")
    machine.succeed("docker load < ${onTop}")
    machine.succeed("docker run --rm on-top:latest | grep 'Hello, world!'")
    machine.succeed("docker run --rm on-top:latest env | grep CHILD=1")
  '';
}
