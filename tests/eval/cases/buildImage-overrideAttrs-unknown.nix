((import ../../.. { }).buildImage { name = "a"; }).overrideAttrs (old: { nativeBuildInputs = [ ]; })
