(import ../../.. { }).streamLayeredImage { name = "app"; enableFakechroot = "yes"; }
