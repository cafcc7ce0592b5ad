(import ../../.. { }).streamLayeredImage { name = "app"; layeringPipeline = [ [ "split_every" 2 ] [ "map" [ "reverse" 1 ] ] ]; }
