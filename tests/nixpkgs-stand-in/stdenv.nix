# The stand-in's stdenv: a real setup script (stdenv/setup.sh) in a store path,
# stdenv.mkDerivation (a derivation built by bash running stdenv/default-builder.sh,
# which sources the setup and runs the phases) and mkShell. Enough to build simple
# derivations under the sandbox, and for a derivation's environment to be sourced
# as nix-shell does (streamNixShellImage).
{
  system,
  bash,
  coreutils,
  initialPath,
  platforms,
}:
let
  inherit (builtins) concatStringsSep derivation removeAttrs;

  # The store path holding `setup`; the stdenv attribute set is this derivation
  # plus mkDerivation and the platforms.
  setupDrv = derivation {
    name = "stdenv-linux";
    inherit system;
    builder = "${bash}/bin/bash";
    template = ./stdenv/setup.sh;
    initialPath = concatStringsSep " " (map toString initialPath);
    shell = "${bash}/bin/bash";
    PATH = "${coreutils}/bin";
    # Substitution by bash itself; a last builtin, as a PID 1 that execs dies on Nix 2.8.
    args = [
      "-ec"
      ''
        text=$(< "$template")
        text=''${text//@initialPath@/$initialPath}
        text=''${text//@shell@/$shell}
        mkdir "$out"
        printf '%s\n' "$text" > "$out/setup"
        :
      ''
    ];
  };

  # mkDerivation { pname, version } or { name }, and any attributes, which become
  # the build's environment; passthru and meta stay on the Nix side.
  mkDerivation =
    attrs:
    let
      name = attrs.name or "${attrs.pname}-${attrs.version}";
      drv = derivation (
        {
          inherit name system;
          builder = "${bash}/bin/bash";
          args = [
            "-e"
            ./stdenv/default-builder.sh
          ];
          stdenv = stdenv;
        }
        // removeAttrs attrs [
          "name"
          "passthru"
          "meta"
        ]
      );
    in
    drv // (attrs.passthru or { }) // { meta = attrs.meta or { }; };

  # A derivation meant for its environment (nix-shell), not its output. Building
  # it writes a note saying so, as nixpkgs' mkShell does.
  mkShell =
    {
      name ? "nix-shell",
      packages ? [ ],
      nativeBuildInputs ? [ ],
      ...
    }@attrs:
    mkDerivation (
      removeAttrs attrs [ "packages" ]
      // {
        inherit name;
        nativeBuildInputs = packages ++ nativeBuildInputs;
        phases = [ "buildPhase" ];
        buildPhase = ''
          echo "$name is a shell environment (mkShell): use it with nix-shell, not as a package" > "$out"
        '';
      }
    );

  stdenv = setupDrv // platforms // { inherit mkDerivation; };
in
{
  inherit stdenv mkShell;
}
