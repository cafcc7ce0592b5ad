(import ../../.. { }).streamLayeredImage { name = "app"; layeringPipeline = ./layeringPipeline-typo.json; }
