(import ../../.. { }).streamLayeredImage { name = "app"; architecture = "x86_64"; }
