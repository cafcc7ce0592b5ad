((import ../../.. { }).buildLayeredImage { name = "a"; }).override { colour = "red"; }
