(import ../../.. { }).streamLayeredImage { name = "app"; mtime = "2023-02-29T00:00:00Z"; }
