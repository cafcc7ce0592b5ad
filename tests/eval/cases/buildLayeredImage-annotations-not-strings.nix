(import ../../.. { }).buildLayeredImage { name = "app"; annotations."org.opencontainers.image.version" = 1; }
