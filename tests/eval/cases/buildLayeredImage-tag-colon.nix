(import ../../.. { }).buildLayeredImage { name = "app"; tag = "a:b"; }
