(import ../../.. { }).buildImage { name = "app"; runAsRoot = [ "chown 1000 /home" ]; }
