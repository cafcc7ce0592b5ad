(import ../../.. { }).buildImage { name = "app"; layeringPipeline = [ ]; }
