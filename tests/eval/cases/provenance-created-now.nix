((import ../../.. { }).buildImage { name = "app"; created = "now"; }).provenance
