# Images the incremental-load tests send to Docker and podman, in the mode of
# ./mode.nix. `version` makes the application (and so its layer) new to the engine.
{
  version,
  mode ? import ./mode.nix { },
  stowage ? mode.stowage,
  packages ? mode.packages,
}:
let
  app = mode.script "engine-app" "mkdir -p $out; echo 'app ${version}' > $out/version";

  image =
    cachedLayers:
    stowage.streamLayeredImage {
      name = "engine-test/app";
      tag = version;
      contents = [ packages.busybox ];
      config.Cmd = [ "/bin/cat" "${app}/version" ];
      inherit cachedLayers;
    };
in
{
  # Layers recorded by their own derivations: their digests are known without reading them.
  recorded = image true;
  # No records: the loader hashes the layers it asks the engine about.
  unrecorded = image false;
}
