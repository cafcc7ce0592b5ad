# Packages for the examples and tests. Without nixpkgs they are built with the
# host's tools (gcc, busybox), which is why host mode needs the sandbox off.
{
  localSystem ? builtins.currentSystem,
}:
let
  sh =
    name: script:
    builtins.derivation {
      inherit name;
      system = localSystem;
      builder = "/bin/sh";
      args = [ "-ec" script ];
      PATH = "/usr/bin:/bin";
      # Host tools: outside the sandbox only (`sandbox = relaxed` allows it).
      __noChroot = true;
    };
in
{
  # A static "hello" compiled from hello/hello.c.
  hello = sh "hello-1.0" ''
    mkdir -p $out/bin
    gcc -static -O2 -s -o $out/bin/hello ${./hello/hello.c}
  '';

  # Static busybox with the applets the tests use, as a package.
  busybox = sh "busybox-static" ''
    mkdir -p $out/bin
    cp /bin/busybox $out/bin/busybox
    for applet in sh ls cat id stat echo test env readlink; do
      ln -s busybox $out/bin/$applet
    done
  '';
}
