(import ../../.. { }).buildLayeredImage { name = "app"; perms = [ { path = "home/alice"; uid = 1000; } ]; }
