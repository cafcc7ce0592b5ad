(import ../../.. { }).streamLayeredImage { name = "app"; layeringPipeline = [ [ "subcomponent_out" "/nix/store/x" ] ]; }
