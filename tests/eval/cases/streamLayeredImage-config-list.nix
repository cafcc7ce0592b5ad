(import ../../.. { }).streamLayeredImage { name = "app"; config = [ ]; }
