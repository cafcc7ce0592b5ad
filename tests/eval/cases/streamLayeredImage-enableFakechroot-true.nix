(import ../../.. { }).streamLayeredImage { name = "app"; enableFakechroot = true; }
