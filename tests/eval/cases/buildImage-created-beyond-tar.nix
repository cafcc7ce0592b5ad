(import ../../.. { }).buildImage { name = "app"; created = "9999-12-31T23:59:59Z"; }
