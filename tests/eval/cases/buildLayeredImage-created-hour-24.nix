(import ../../.. { }).buildLayeredImage { name = "app"; created = "2024-01-01T24:00:00Z"; }
