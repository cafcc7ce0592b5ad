(import ../../.. { }).buildImage { name = "app"; copyToRoot = "/etc"; }
