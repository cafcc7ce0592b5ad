(import ../../.. { }).buildLayeredImage { name = "app"; fromImage = 42; }
