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

  # 2.6 MB that deflate cannot shrink (gzipped twice), which gzip layers store.
  incompressible = mode.script "push-incompressible" ''
    mkdir -p $out
    seq 1 3000000 | gzip -1n | gzip -9n > $out/data.gz
  '';
  # 1.8 MB of the same kind in 355 files of 5000 bytes, each with its tar
  # header and padding: gzip layers deflate them with the run-length strategy.
  smallFiles = mode.script "push-small-files" ''
    mkdir -p $out
    seq 1 2000000 | gzip -1n | gzip -9n | split -b 5000 -a 3 - $out/part-
  '';
in
{
  zstd = image true { format = "zstd"; };
  zstdUncached = image false { format = "zstd"; };
  # gzip at the default level, as push-images.nix's v1, with the blobs kept in the store.
  kept = image true { keepBlobs = true; };
  keptUncached = image false { keepBlobs = true; };
  inherit incompressible smallFiles;
  # The default pushCompression and a gzipped archive, of a layer that is
  # mostly stored deflate blocks, and of one deflated with the run-length strategy.
  stored = stowage.buildLayeredImage {
    name = "push-test/stored";
    tag = "v1";
    compressor = "gz";
    contents = [
      packages.busybox
      incompressible
      smallFiles
    ];
    config.Cmd = [
      "/bin/busybox"
      "sha256sum"
      "${incompressible}/data.gz"
    ];
    cachedLayers = true;
  };
}
