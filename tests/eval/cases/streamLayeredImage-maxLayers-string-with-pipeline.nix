(import ../../.. { }).streamLayeredImage { name = "app"; maxLayers = "1"; layeringPipeline = [ ]; }
