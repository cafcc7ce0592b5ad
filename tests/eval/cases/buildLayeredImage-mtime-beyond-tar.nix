(import ../../.. { }).buildLayeredImage { name = "app"; mtime = "2300-01-01T00:00:00Z"; }
