# The one derivation helper: a build step is a Python entry point of python/bin
# run with -SB (no site-packages: the standard library only), whose input is one
# versioned JSON document, the structured attribute `stowage` (its schema:
# python/stowage/contract/). `who` is the public builder the step serves: the
# request carries it as `builder`, and the step's errors start with it.
{ tools, localSystem }:
let
  inherit (builtins) derivation match;

  # The Python sources, without caches (also a tool's .mypy_cache), so that only
  # code changes rebuild images.
  source = builtins.path {
    path = ../python;
    name = "stowage-python";
    filter = path: type: match ".*(__pycache__|\\.pyc|/\\.[^/]*)" path == null;
  };
in
{
  inherit source;

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
          "${source}/bin/${command}"
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
