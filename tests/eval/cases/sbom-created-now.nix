((import ../../.. { }).buildLayeredImage { name = "app"; created = "now"; }).sbom
