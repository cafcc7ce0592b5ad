(import ../../.. { }).buildLayeredImage { name = "app"; compressor = "bzip2"; }
