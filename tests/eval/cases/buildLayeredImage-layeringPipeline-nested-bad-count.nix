(import ../../.. { }).buildLayeredImage { name = "app"; layeringPipeline = [ [ "subcomponent_in" [ ] ] [ "over" "rest" [ "pipe" [ [ "popularity_contest" ] [ "limit_layers" 0 ] ] ] ] ]; }
