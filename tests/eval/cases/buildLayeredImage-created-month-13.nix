(import ../../.. { }).buildLayeredImage { name = "app"; created = "2024-13-45T00:00:00Z"; }
