(import ../../.. { }).streamLayeredImage { name = "app"; tag = ".v1"; }
