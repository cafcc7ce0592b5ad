(import ../../.. { }).streamLayeredImage { name = "app"; created = "yesterday"; }
