(import ../../.. { }).buildNixShellImage { drv = derivation { name = "app"; system = "x86_64-linux"; builder = "/bin/sh"; }; }
