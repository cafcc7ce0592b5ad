(import ../../.. { }).buildImage { name = "app"; includeNixDB = true; }
