# Every public builder with its default arguments, and every derivation an image
# carries, for tests/eval/test_no_ifd.py: instantiated with
# `--option allow-import-from-derivation false`, none may need a build while
# evaluating. The package is one that cannot build (its builder fails), so an
# evaluation that needed its output would have to build it.
{
  system ? builtins.currentSystem,
  extra ? { },
}:
let
  stowage = import ../.. { inherit system; };
  package = builtins.derivation {
    name = "no-ifd-package";
    inherit system;
    builder = "/bin/sh";
    args = [ "-c" "exit 1" ];
  };
  common = {
    name = "no-ifd";
    contents = [ package ];
    config.Cmd = [ "${package}/bin/app" ];
  } // extra;

  # The image and what it carries (what nix-build -A image.<attr> would build), as
  # top-level attributes "<key>.<attr>": nix-instantiate does not look into sets.
  withAttrs =
    key: image:
    let
      carried = {
        inherit (image) conf layerPlan customisationLayer configFile pushPlan copyToRegistry copyToDockerDaemon copyToPodman;
        inherit (image) sbom sbomCycloneDX provenance;
      };
      layers = builtins.genList (i: {
        name = "${key}.storeLayers.${toString i}";
        value = builtins.elemAt image.storeLayers i;
      }) (builtins.length image.storeLayers);
    in
    { ${key} = image; }
    // builtins.listToAttrs (map (attr: { name = "${key}.${attr}"; value = carried.${attr}; }) (builtins.attrNames carried))
    // builtins.listToAttrs layers;

  stream = stowage.streamLayeredImage common;
  layered = stowage.buildLayeredImage common;
  buildImage = stowage.buildImage {
    name = "no-ifd-build-image";
    copyToRoot = [ package ];
    fromImage = layered;
  };
  multiArch = stowage.buildMultiArchImage {
    name = "registry.example.com/no-ifd";
    images = [ layered ];
  };
in
withAttrs "stream" stream
// withAttrs "layered" layered
// withAttrs "layeredNixDb" (stowage.buildLayeredImageWithNixDb common)
// withAttrs "layeredOnBase" (stowage.buildLayeredImage (common // { fromImage = layered; }))
// withAttrs "layeredExplicit" (stowage.buildLayeredImage (common // { layers = [ [ package ] ]; }))
// withAttrs "buildImage" buildImage
// withAttrs "buildImageNixDb" (stowage.buildImageWithNixDb { name = "no-ifd-nixdb"; copyToRoot = [ package ]; })
// {
  merged = stowage.mergeImages [ layered buildImage ];
  exported = stowage.exportImage { fromImage = buildImage; };
  ociLayout = stowage.toOCILayout layered;
  ociArchive = stowage.toOCIArchive buildImage;
  multiArch = multiArch;
  "multiArch.copyToRegistry" = multiArch.copyToRegistry;
  pulled = stowage.pullImage {
    imageName = "registry.example.com/base";
    imageDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };
  inherit (stowage) binSh usrBinEnv fakeNss caCertificates;
}
