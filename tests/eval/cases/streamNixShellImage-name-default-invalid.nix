(import ../../.. { pkgs = import ../stand-in-pkgs.nix { hostSystem = "x86_64-linux"; }; }).streamNixShellImage { drv = derivation { name = "App+1"; system = "x86_64-linux"; builder = "/bin/sh"; }; }
