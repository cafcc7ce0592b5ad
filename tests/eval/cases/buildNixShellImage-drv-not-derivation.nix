(import ../../.. { pkgs = import ../stand-in-pkgs.nix { hostSystem = "x86_64-linux"; }; }).buildNixShellImage { drv = 3; }
