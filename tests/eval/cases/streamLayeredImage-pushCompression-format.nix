(import ../../.. { }).streamLayeredImage { name = "app"; pushCompression = { format = "brotli"; }; }
