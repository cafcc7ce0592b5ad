(import ../../.. { }).buildMultiArchImage { name = "app"; images = [ ./buildMultiArchImage-images-path.nix ]; }
