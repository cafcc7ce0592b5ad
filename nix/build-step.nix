# The one derivation helper: a build step is a Python entry point of python/bin
# run with -SB (no site-packages: the standard library only), whose input is one
# versioned JSON document, the structured attribute `stowage` (its schema:
# python/stowage/contract/). `who` is the public builder the step serves: the
# request carries it as `builder`, and the step's errors start with it.
{ tools, localSystem }:
let
  inherit (builtins) derivation;

  # Each program gets the part of python/ it runs (python-source.nix), so that
  # only changes to that code rebuild what it made. Worked out once per program
  # and evaluation (these attribute sets' values are shared), not once per step:
  # an image of 120 store layers evaluates 120 store-path-to-layer steps.
  source = import ./python-source.nix;
  forCommand = builtins.mapAttrs (command: _: source.forCommand command) (builtins.readDir ../python/bin);
  # Launchers run entry points of stowage.cli: one subset per module of it.
  cliModules = builtins.listToAttrs (
    builtins.concatMap (
      file:
      let
        m = builtins.match "(.*)\\.py" file;
      in
      if m == null then [ ] else [ { name = "stowage.cli.${builtins.head m}"; value = null; } ]
    ) (builtins.attrNames (builtins.readDir ../python/stowage/cli))
  );
  forModule = builtins.mapAttrs (module: _: source.forModule module) cliModules;
in
{
  # python/ as a launcher of `module` needs it (write-launcher's `source`).
  sourceFor = module: forModule.${module} or (source.forModule module);

  run =
    {
      who,
      name,
      command,
      request,
      extraAttrs ? { },
    }:
    derivation (
      {
        inherit name;
        system = localSystem;
        builder = tools.python;
        args = [
          "-SB"
          "${forCommand.${command}}/bin/${command}"
        ];
        __structuredAttrs = true;
        stowage = request // { builder = who; };
      }
      # Host mode runs the host's /usr/bin/python3: only outside the sandbox.
      # Nix then refuses it under `sandbox = true` with its own message, and
      # builds it under `sandbox = relaxed`.
      // (if tools.mode == "host" then { __noChroot = true; } else { })
      // extraAttrs
    );
}
