(import ../../.. { }).buildLayeredImage { name = "app"; uid = -1; }
