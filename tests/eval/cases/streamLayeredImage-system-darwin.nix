(import ../../.. { system = "aarch64-darwin"; }).streamLayeredImage { name = "app"; }
