(import ../../.. { }).buildLayeredImage { name = "app"; uid = 4294967296; }
