# Images the push tests send to a registry, in the mode of ./mode.nix.
{
  mode ? import ./mode.nix { },
  stowage ? mode.stowage,
  packages ? mode.packages,
}:
let
  inherit (packages) busybox;

  app =
    version:
    mode.script "push-app" "mkdir -p $out; echo 'app ${version}' > $out/version";

  # Only config mentions the application: a new version changes its store
  # layer and the configuration, not the customisation layer (busybox's links).
  versioned =
    version:
    stowage.buildLayeredImage {
      name = "push-test/app";
      tag = version;
      compressor = "none";
      contents = [ busybox ];
      config.Cmd = [ "/bin/cat" "${app version}/version" ];
      # Recorded layers: their blobs compressed once, by their own derivations.
      cachedLayers = true;
    };

  registryImages = import ./registry-images.nix { inherit stowage packages; };
in
{
  v1 = versioned "v1";
  v2 = versioned "v2";
  uncached = stowage.buildLayeredImage {
    name = "push-test/app";
    tag = "v1";
    compressor = "none";
    contents = [ busybox ];
    config.Cmd = [ "/bin/cat" "${app "v1"}/version" ];
    cachedLayers = false;
  };
  # A base image's layers (from its gzipped archive) and buildImage's one layer.
  onBase = stowage.buildImage {
    name = "push-test/on-base";
    tag = "latest";
    fromImage = (import ./images.nix { inherit stowage packages; }).base;
    copyToRoot = [ (app "on-base") ];
    config.Cmd = [ "/bin/sh" "-c" "cat /version; echo $FROM_BASE" ];
  };
  multi = stowage.buildMultiArchImage {
    name = "push-test/multi";
    tag = "1";
    images = [ registryImages.amd64 registryImages.arm64 ];
  };
}
