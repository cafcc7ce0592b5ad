(import ../../.. { }).buildLayeredImage { name = "app"; contents = [ ./. "/etc" ]; }
