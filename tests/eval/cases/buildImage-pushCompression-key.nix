(import ../../.. { }).buildImage { name = "app"; pushCompression = { compression = "gzip"; }; }
