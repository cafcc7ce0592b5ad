# The push test image (push-images.nix's v1: busybox, an application, the
# customisation layer) with other pushCompression settings, in the mode of ./mode.nix.
{
  mode ? import ./mode.nix { },
  stowage ? mode.stowage,
  packages ? mode.packages,
}:
let
  app = mode.script "push-app" "mkdir -p $out; echo 'app v1' > $out/version";

  image =
    cachedLayers: pushCompression:
    stowage.buildLayeredImage {
      name = "push-test/app";
      tag = "v1";
      compressor = "none";
      contents = [ packages.busybox ];
      config.Cmd = [ "/bin/cat" "${app}/version" ];
      inherit cachedLayers pushCompression;
    };
in
{
  zstd = image true { format = "zstd"; };
  zstdUncached = image false { format = "zstd"; };
  # gzip level 6, as push-images.nix's v1, with the blobs kept in the store.
  kept = image true { keepBlobs = true; };
  keptUncached = image false { keepBlobs = true; };
}
