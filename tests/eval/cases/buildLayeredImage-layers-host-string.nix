(import ../../.. { }).buildLayeredImage { name = "app"; layers = [ [ "/usr" ] ]; }
