(import ../../.. { }).buildImage { name = "app"; maxLayers = 3; }
