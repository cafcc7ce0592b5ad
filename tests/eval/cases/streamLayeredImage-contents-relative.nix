(import ../../.. { }).streamLayeredImage { name = "app"; contents = [ "relative/dir" ]; }
