# The mode the end-to-end tests build in, from STOWAGE_TEST_MODE (see tests/conftest.py):
#  - "host" (the default): the library without nixpkgs, packages from
#    examples/packages.nix; the sandbox must be off.
#  - "nixpkgs": the library and the packages from the runnable nixpkgs stand-in;
#    everything builds with `sandbox = true`.
# `script name text` is a derivation that runs shell `text` with coreutils and
# gzip on PATH, for the small packages the tests make.
{
  mode ? builtins.getEnv "STOWAGE_TEST_MODE",
}:
let
  standIn = import ../nixpkgs-stand-in { };
  modes = {
    host = {
      stowageFor = args: import ../.. args;
      packages = import ../../examples/packages.nix { };
      script =
        name: text:
        derivation {
          inherit name;
          system = builtins.currentSystem;
          builder = "/bin/sh";
          args = [ "-ec" text ];
          PATH = "/usr/bin:/bin";
          __noChroot = true;
        };
    };
    nixpkgs = rec {
      stowageFor = args: import ../.. ({ pkgs = standIn; } // args);
      # The tests' hello says what examples/hello/hello.c says (no C compiler
      # here); the stand-in's own hello is Debian's GNU hello.
      packages = standIn // {
        hello = script "hello-1.0" ''
          mkdir -p $out/bin
          printf '%s\n' '#!${standIn.bash}/bin/bash' \
            'echo "Hello from a stowage image (uid $UID)"' \
            'for a in "$@"; do echo "arg: $a"; done' > $out/bin/hello
          chmod 555 $out/bin/hello
        '';
      };
      script =
        name: text:
        derivation {
          inherit name;
          inherit (standIn.stdenv.buildPlatform) system;
          builder = "${standIn.bash}/bin/bash";
          # A last builtin: bash -c execs its last command, and on Nix 2.8 a builder
          # that forked children and then exec'd as PID 1 dies of SIGKILL at exit.
          args = [ "-ec" (text + "\n:") ];
          PATH = "${standIn.coreutils}/bin:${standIn.gzip}/bin";
        };
    };
  };
  chosen =
    modes.${if mode == "" then "host" else mode}
      or (throw "tests/e2e/mode.nix: STOWAGE_TEST_MODE must be host or nixpkgs; got ${mode}");
in
chosen
// {
  stowage = chosen.stowageFor { };
}
