(import ../../.. { }).buildMultiArchImage { name = "app"; images = [ ]; }
