# Images of streamNixShellImage and buildNixShellImage, as nixpkgs' examples
# (nix-shell-*) and its docker-tools-nix-shell test write them, with the
# stand-in's stdenv (nixpkgs mode only).
{
  mode ? import ./mode.nix { },
  stowage ? mode.stowage,
  packages ? mode.packages,
}:
let
  inherit (packages) mkShell stdenv;

  # A package built by the stdenv's phases: unpack (a directory), build and
  # install as given, and a hook.
  hello = stdenv.mkDerivation {
    pname = "hello";
    version = "1.0";
    src = ./files/nix-shell-hello;
    greeting = "Hello, world!";
    buildPhase = ''
      sed -e "s|@shell@|$SHELL|" -e "s|@greeting@|$greeting|" hello.in > hello
      chmod +x hello
    '';
    installPhase = ''
      runHook preInstall
      mkdir -p $out/bin
      cp hello $out/bin/hello
      runHook postInstall
    '';
    postInstall = "mkdir -p $out/share; echo installed > $out/share/note";
  };

  # nixpkgs' writable-home and nonexistent-home check, in the shell's words.
  homeCheck = ''
    if [[ "$HOME" != "$(eval "echo ~$(whoami)")" ]]; then
      echo "\$HOME ($HOME) is not ~$(whoami) ($(eval "echo ~$(whoami)"))"
      exit 1
    fi
  '';
  interactive = ''
    case "$-" in
    *i*) echo This shell is interactive ;;
    *) echo This shell is not interactive ;;
    esac
  '';
in
{
  inherit hello;

  basic = stowage.streamNixShellImage {
    name = "nix-shell-image-basic";
    tag = "latest";
    drv = hello;
  };

  hook = stowage.streamNixShellImage {
    name = "nix-shell-image-hook";
    tag = "latest";
    drv = mkShell {
      shellHook = ''
        echo "This is the shell hook!"
        exit
      '';
    };
  };

  inputs = stowage.streamNixShellImage {
    name = "nix-shell-image-inputs";
    tag = "latest";
    drv = mkShell { nativeBuildInputs = [ hello ]; };
    command = "hello";
  };

  passAsFile = stowage.streamNixShellImage {
    name = "nix-shell-image-pass-as-file";
    tag = "latest";
    drv = mkShell {
      str = "this is a string";
      passAsFile = [ "str" ];
    };
    command = ''cat "$strPath"; echo; echo "str is ''${str-unset}"'';
  };

  run = stowage.streamNixShellImage {
    name = "nix-shell-image-run";
    tag = "latest";
    drv = mkShell { };
    run = interactive;
  };

  command = stowage.streamNixShellImage {
    name = "nix-shell-image-command";
    tag = "latest";
    drv = mkShell { };
    command = interactive;
  };

  writableHome = stowage.streamNixShellImage {
    name = "nix-shell-image-writable-home";
    tag = "latest";
    drv = mkShell { };
    run = homeCheck + ''
      touch "$HOME/test-file" || { echo "home directory is not writable"; exit 1; }
      echo "home directory is writable"
    '';
  };

  nonexistentHome = stowage.streamNixShellImage {
    name = "nix-shell-image-nonexistent-home";
    tag = "latest";
    drv = mkShell { };
    homeDirectory = "/homeless-shelter";
    run = homeCheck + ''
      if [ -e "$HOME" ]; then echo "home directory exists"; exit 1; fi
      echo "home directory does not exist"
    '';
  };

  buildDerivation = stowage.streamNixShellImage {
    name = "nix-shell-image-build-derivation";
    tag = "latest";
    drv = hello;
    run = ''
      buildDerivation
      $out/bin/hello
      cat $out/share/note
    '';
  };

  # Another build user; what it owns, and what the shell sees.
  ids = stowage.streamNixShellImage {
    name = "nix-shell-image-ids";
    tag = "latest";
    drv = mkShell { };
    uid = 1234;
    gid = 5678;
    run = ''
      echo "$(id -un) $(id -u):$(id -g) $(stat -c %u:%g /build /nix/store) $(stat -c %a /tmp) $(pwd)"
      /usr/bin/env true && /bin/sh -c 'echo sh works'
    '';
  };

  # The same shell as an archive: gzip (Docker) and uncompressed (podman 4.3).
  built = stowage.buildNixShellImage {
    name = "nix-shell-image-built";
    tag = "latest";
    drv = hello;
    run = "buildDerivation > /dev/null; $out/bin/hello";
  };
  builtUncompressed = stowage.buildNixShellImage {
    drv = hello;
    compressor = "none";
    run = "buildDerivation > /dev/null; $out/bin/hello";
  };
}
