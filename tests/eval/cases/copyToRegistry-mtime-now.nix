((import ../../.. { }).buildLayeredImage { name = "app"; mtime = "now"; }).copyToRegistry
