((import ../../.. { }).streamLayeredImage { name = "a"; }).overrideAttrs (old: "tag")
