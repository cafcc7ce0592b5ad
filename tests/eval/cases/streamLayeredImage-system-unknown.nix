(import ../../.. { system = "sparc-linux"; }).streamLayeredImage { name = "app"; }
