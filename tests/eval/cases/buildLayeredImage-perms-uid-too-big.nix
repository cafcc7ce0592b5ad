(import ../../.. { }).buildLayeredImage { name = "app"; perms = [ { path = "/data"; uid = 4294967296; } ]; }
