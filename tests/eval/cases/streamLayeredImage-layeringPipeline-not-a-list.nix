(import ../../.. { }).streamLayeredImage { name = "app"; layeringPipeline = "popularity_contest"; }
