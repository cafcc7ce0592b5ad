(import ../../.. { pkgs = import ../stand-in-pkgs.nix { hostSystem = "aarch64-darwin"; buildSystem = "aarch64-darwin"; }; }).streamLayeredImage { name = "app"; }
