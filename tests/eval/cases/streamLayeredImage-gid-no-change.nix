(import ../../.. { }).streamLayeredImage { name = "app"; gid = 4294967295; }
