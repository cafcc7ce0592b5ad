(import ../../.. { }).buildLayeredImage { name = "team//app"; }
