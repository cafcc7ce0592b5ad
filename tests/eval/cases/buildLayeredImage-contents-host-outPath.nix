(import ../../.. { }).buildLayeredImage { name = "app"; contents = { outPath = "/etc"; }; }
