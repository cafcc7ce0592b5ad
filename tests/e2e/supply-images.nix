# Images the supply-chain tests (SBOM, annotations, attachments) build, in the mode of ./mode.nix.
{
  mode ? import ./mode.nix { },
  stowage ? mode.stowage,
  packages ? mode.packages,
}:
{
  annotated = stowage.buildLayeredImage {
    name = "supply/app";
    tag = "1";
    compressor = "none";
    contents = [ packages.busybox ];
    annotations = {
      "org.opencontainers.image.source" = "https://example.org/app";
      "org.opencontainers.image.revision" = "0123abc";
      "org.opencontainers.image.version" = "1.0";
    };
    config.Labels.owner = "team";
  };
}
