"""What a nix-shell image runs: the rcfile that sets up a derivation's build
environment as ``nix-shell`` does, and the ``buildDerivation`` command."""
