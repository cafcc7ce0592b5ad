# Wires the library together by hand; the public set is the explicit list at the end.
# Shared pieces: nix/*.nix (one concern each) and nix/image/ (the parts of an
# image); each public builder is one file of nix/builders/.
{
  pkgs,
  system,
  localSystem,
}:
let
  errors = import ./errors.nix;
  override = import ./override.nix { inherit errors; };
  args = import ./args.nix { inherit errors; };
  validate = import ./validate.nix { inherit errors; };
  reference = import ./reference.nix { inherit errors; };
  platform = import ./platform.nix { inherit errors; };
  pipeline = import ./layering-pipeline.nix { inherit errors validate; };
  tools = import ./tools.nix { inherit pkgs; };
  step = import ./build-step.nix { inherit tools localSystem; };
  compressors = import ./compressors.nix { inherit errors tools; };
  launch = import ./launcher.nix { inherit step tools; };

  names = import ./image/names.nix;
  sbom = import ./image/sbom.nix { inherit errors step; };
  annotations = import ./image/annotations.nix { inherit errors; };
  pushCompression = import ./image/push-compression.nix { inherit errors; };
  arguments = import ./image/arguments.nix {
    inherit errors validate reference platform pipeline names annotations pushCompression;
  };
  basePick = import ./image/base-pick.nix { inherit validate; };
  layers = import ./image/store-layer.nix { inherit step; };
  rootLayer = import ./image/root-layer.nix { inherit step tools; };
  layeredImage = import ./image/layered-image.nix { inherit rootLayer; };
  plan = import ./image/plan.nix {
    inherit errors platform pipeline names step layers system;
  };
  push = import ./image/push.nix { inherit errors layers step launch compressors pushCompression; };
  finish = import ./image/finish.nix { inherit push sbom annotations; };
  archiveFile = import ./image/archive-file.nix { inherit step compressors; };
  ociInput = import ./image/oci-input.nix { inherit validate errors; };
  helpers = import ./packages/helpers.nix { inherit step tools; };

  # streamLayeredImage, or the stream of another builder's image, whose steps name `who`.
  streamAs =
    who:
    import ./builders/stream-layered-image.nix {
      inherit arguments layeredImage plan finish args launch override who;
    };
  streamLayeredImage = streamAs "streamLayeredImage";
  buildLayeredImage = import ./builders/build-layered-image.nix {
    inherit arguments layeredImage plan finish archiveFile compressors args override;
    # Its passthru.stream: the same plan, whose steps name buildLayeredImage.
    streamLayeredImage = streamAs "buildLayeredImage";
  };
  buildImage = import ./builders/build-image.nix {
    inherit arguments plan finish rootLayer archiveFile compressors basePick args validate errors override;
  };
  buildMultiArchImage = import ./builders/multi-arch-image.nix {
    inherit args errors reference step push annotations sbom;
  };
  pullImage = import ./builders/pull-image.nix {
    inherit args errors validate reference platform step system override tools;
  };
  mergeImages = import ./builders/merge-images.nix { inherit validate errors step compressors override; };
  exportImage = import ./builders/export-image.nix { inherit args validate step compressors override basePick; };
  ociLayoutAs = who: import ./builders/to-oci-layout.nix { inherit ociInput step compressors sbom who; };
  toOCILayout = ociLayoutAs "toOCILayout";
  toOCIArchive = import ./builders/to-oci-archive.nix {
    inherit ociInput step;
    toOCILayout = ociLayoutAs "toOCIArchive";
  };
  nixShellImages = import ./builders/nix-shell-image.nix {
    inherit args errors validate step tools arguments names helpers archiveFile compressors streamAs;
  };
  # nixpkgs' prefetcher for pullImage, by its name: bin/nix-prefetch-docker.
  nix-prefetch-docker = import ./packages/nix-prefetch-docker.nix { inherit launch; };

  withNixDb = build: userArgs: build ((if builtins.isAttrs userArgs then userArgs else { }) // { includeNixDB = true; });
in
{
  inherit
    buildImage
    buildLayeredImage
    streamLayeredImage
    buildMultiArchImage
    pullImage
    mergeImages
    exportImage
    toOCILayout
    toOCIArchive
    nix-prefetch-docker
    ;
  inherit (nixShellImages) streamNixShellImage buildNixShellImage;

  buildImageWithNixDb = withNixDb buildImage;
  buildLayeredImageWithNixDb = withNixDb buildLayeredImage;

  inherit (helpers)
    binSh
    usrBinEnv
    fakeNss
    caCertificates
    shadowSetup
    ;
}
