(import ../../.. { }).buildLayeredImage { name = "app"; pushCompression = { format = "zstd"; level = 22; }; }
