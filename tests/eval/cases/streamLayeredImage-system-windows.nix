(import ../../.. { system = "x86_64-windows"; }).streamLayeredImage { name = "app"; }
