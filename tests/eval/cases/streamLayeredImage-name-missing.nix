(import ../../.. { }).streamLayeredImage { tag = "1"; }
