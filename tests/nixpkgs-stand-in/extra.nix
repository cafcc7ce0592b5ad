# What nixpkgs' docker examples and NixOS test read from pkgs beyond the packages
# of the stand-in (default.nix): the trivial builders (runCommand, writeText,
# writeTextDir, writeScript, writeScriptBin, buildEnv), runtimeShell, pkgsStatic,
# testers.invalidateFetcherByDrvHash, `hello.overrideAttrs`, and two small
# stand-ins for services the host does not have as packages:
#  - redis: `redis-cli --version` and `redis-cli ping` answer; `redis-server` waits;
#  - nginx: `nginx -c FILE` serves FILE's `root` on its `listen` port with
#    busybox's httpd (after checking FILE's `user` exists in /etc/passwd).
# and two packages with a property of nixpkgs' that the test relies on:
#  - nix: the Nix programs are links to `nix` (`readlink bin/nix-daemon` is `nix`);
#  - pkgsStatic.busybox: refers to itself, as nixpkgs' static busybox does (so
#    copying its files into an image root brings exactly its own store path).
# Everything builds in the sandbox with the stand-in's bash and coreutils.
{
  standIn ? import ./. { },
}:
let
  inherit (builtins)
    concatStringsSep
    derivation
    filter
    head
    map
    match
    ;
  inherit (standIn) bash coreutils busybox;
  system = standIn.stdenv.buildPlatform.system;
  toolPath = "${coreutils}/bin:${standIn.gnused}/bin:${standIn.gnugrep}/bin:${standIn.findutils}/bin";

  # A last builtin: on Nix 2.8 a bash builder that exec's its last command as
  # PID 1 after forking is killed at exit (see tests/e2e/mode.nix).
  runCommand =
    name: env: text:
    let
      inputs = env.nativeBuildInputs or [ ] ++ env.buildInputs or [ ];
    in
    derivation (
      removeInputs env
      // {
        inherit name system;
        builder = "${bash}/bin/bash";
        args = [
          "-ec"
          (text + "\n:")
        ];
        PATH = concatStringsSep ":" (map (p: "${p}/bin") inputs ++ [ toolPath ]);
      }
    );
  removeInputs = env: builtins.removeAttrs env [ "nativeBuildInputs" "buildInputs" ];

  writeTextFile =
    {
      name,
      text,
      executable ? false,
      destination ? "",
    }:
    runCommand name
      {
        inherit text;
        passAsFile = [ "text" ];
      }
      ''
        target=$out${destination}
        mkdir -p "$(dirname "$target")"
        cp "$textPath" "$target"
        ${if executable then ''chmod 555 "$target"'' else ""}
      '';

  # Directories are real; files and symlinks are links to the packages'. Two
  # packages with the same file name are an error, as with nixpkgs.
  buildEnv =
    {
      name,
      paths,
      pathsToLink ? [ "/" ],
      ...
    }:
    runCommand name
      {
        inherit paths pathsToLink;
      }
      ''
        link() {
          local entry
          for entry in "$1"/* "$1"/.[!.]*; do
            [ -e "$entry" ] || [ -L "$entry" ] || continue
            if [ -d "$entry" ] && [ ! -L "$entry" ]; then
              mkdir -p "$2/''${entry##*/}"
              link "$entry" "$2/''${entry##*/}"
            else
              ln -s "$entry" "$2/''${entry##*/}"
            fi
          done
        }
        mkdir -p $out
        for path in $paths; do
          for sub in $pathsToLink; do
            if [ -d "$path$sub" ]; then
              mkdir -p "$out$sub"
              link "$path$sub" "$out$sub"
            fi
          done
        done
      '';

  # `hello.overrideAttrs f` for the one use the examples make of it: a hello
  # whose program name has the prefix of `--program-prefix=` in configureFlags.
  helloOverrideAttrs =
    f:
    let
      prev = {
        configureFlags = [ ];
        meta.mainProgram = "hello";
      };
      final = prev // f final prev;
      prefixes = filter (m: m != null) (map (match "--program-prefix=(.*)") final.configureFlags);
      prefix = if prefixes == [ ] then "" else head (head prefixes);
    in
    runCommand "hello-${prefix}stand-in" { } ''
      mkdir -p $out/bin
      printf '#!%s\nexec %s "$@"\n' ${bash}/bin/bash ${standIn.hello}/bin/hello > $out/bin/${prefix}hello
      chmod 555 $out/bin/${prefix}hello
    '';

  script =
    name: text:
    writeTextFile {
      inherit name;
      text = "#!${bash}/bin/bash\n" + text;
      executable = true;
      destination = "/bin/${baseNameOf name}";
    };

  redis = buildEnv {
    name = "redis-stand-in";
    paths = [
      (script "redis-cli" ''
        case "''${1:-}" in
          --version) echo "redis-cli 0.0.0 (stand-in)" ;;
          ping) echo PONG ;;
          *) echo "redis-cli stand-in: $*" >&2; exit 1 ;;
        esac
      '')
      (script "redis-server" ''
        echo "redis-server stand-in: ready"
        exec ${busybox}/bin/busybox sleep 2147483647
      '')
    ];
  };

  nginx = script "nginx" ''
    set -eu
    [ "''${1:-}" = -c ] || { echo "nginx stand-in: usage: nginx -c FILE" >&2; exit 1; }
    conf=$2
    word() { ${busybox}/bin/busybox sed -n "s/^ *$1 \([^ ;]*\).*/\1/p" "$conf" | ${busybox}/bin/busybox head -n 1; }
    user=$(word user)
    ${busybox}/bin/busybox grep -q "^$user:" /etc/passwd || { echo "nginx stand-in: no user $user in /etc/passwd" >&2; exit 1; }
    exec ${busybox}/bin/busybox httpd -f -vv -p "$(word listen)" -h "$(word root)"
  '';
in
standIn
// {
  inherit runCommand buildEnv redis nginx;
  runCommandNoCC = runCommand;
  writeText =
    name: text:
    writeTextFile {
      inherit name text;
    };
  writeTextDir =
    path: text:
    writeTextFile {
      name = baseNameOf path;
      inherit text;
      destination = "/${path}";
    };
  writeScript =
    name: text:
    writeTextFile {
      inherit name text;
      executable = true;
    };
  writeScriptBin =
    name: text:
    writeTextFile {
      inherit name text;
      executable = true;
      destination = "/bin/${name}";
    };
  runtimeShell = "${bash}/bin/bash";
  hello = standIn.hello // {
    overrideAttrs = helloOverrideAttrs;
  };
  nix = runCommand "nix-stand-in" { } ''
    mkdir -p $out/bin
    ln -s ${standIn.nix}/bin/nix $out/bin/nix
    for name in nix-build nix-channel nix-collect-garbage nix-copy-closure nix-daemon \
      nix-env nix-hash nix-instantiate nix-prefetch-url nix-shell nix-store; do
      ln -s nix $out/bin/$name
    done
  '';
  pkgsStatic.busybox = runCommand "busybox-static" { } ''
    cp -r ${busybox} $out
    chmod -R u+w $out
    mkdir -p $out/share/busybox
    echo $out > $out/share/busybox/store-path
  '';
  stdenv = standIn.stdenv // {
    shell = "${bash}/bin/bash";
  };
  testers.invalidateFetcherByDrvHash = f: args: f args;
}
