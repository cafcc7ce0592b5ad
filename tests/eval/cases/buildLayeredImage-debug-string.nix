(import ../../.. { }).buildLayeredImage { name = "a"; debug = "yes"; }
