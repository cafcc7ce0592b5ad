(import ../../.. { }).streamLayeredImage { name = "app"; layeringPipeline = [ [ "popularity" ] ]; }
