(import ../../.. { }).streamLayeredImage { name = "my app"; }
