(import ../../.. { }).buildImage { name = "app"; created = "1970-01-01T00:30:00+01:00"; }
