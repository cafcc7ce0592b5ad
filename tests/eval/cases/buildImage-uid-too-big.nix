(import ../../.. { }).buildImage { name = "app"; uid = 9223372036854775807; }
