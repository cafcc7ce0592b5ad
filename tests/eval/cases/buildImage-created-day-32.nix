(import ../../.. { }).buildImage { name = "app"; created = "2024-01-32T00:00:00Z"; }
