(import ../../.. { }).buildLayeredImage { name = "app"; maxLayers = "10"; }
