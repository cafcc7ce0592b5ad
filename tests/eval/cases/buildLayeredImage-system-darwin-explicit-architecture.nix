(import ../../.. { system = "x86_64-darwin"; }).buildLayeredImage { name = "app"; architecture = "amd64"; }
