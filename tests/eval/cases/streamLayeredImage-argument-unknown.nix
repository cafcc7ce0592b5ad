(import ../../.. { }).streamLayeredImage { name = "app"; contnets = [ ]; }
