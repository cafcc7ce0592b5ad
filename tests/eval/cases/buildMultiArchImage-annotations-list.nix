let
  stowage = import ../../.. { };
in
stowage.buildMultiArchImage {
  name = "app";
  images = [ (stowage.buildLayeredImage { name = "app"; }) ];
  annotations = [ "org.opencontainers.image.source=https://example.org" ];
}
