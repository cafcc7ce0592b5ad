(import ../../.. { }).buildImage { name = "app"; contents = [ ]; copyToRoot = [ ]; }
