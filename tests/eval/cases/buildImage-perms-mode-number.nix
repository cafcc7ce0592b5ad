(import ../../.. { }).buildImage { name = "app"; perms = [ { path = "/home"; mode = 493; } ]; }
