(import ../../.. { }).buildImage { name = "app"; perms = [ { path = "/data"; gid = -5; } ]; }
