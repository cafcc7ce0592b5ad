(import ../../.. { }).streamLayeredImage { name = "app"; layeringPipeline = [ [ "split_paths" [ { child = ./.; } ] ] ]; }
