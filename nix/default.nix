# Wires the library together by hand; the public set is the explicit list at the end.
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
  tools = import ./tools.nix { inherit pkgs; };
  step = import ./build-step.nix { inherit tools localSystem; };
  push = import ./builders/push.nix { inherit errors step tools; };
  layered = import ./builders/layered-plan.nix {
    inherit args errors validate reference platform step tools system push;
  };
  helpers = import ./packages/helpers.nix { inherit step tools; };
  archives = import ./builders/archives.nix {
    inherit args validate errors step tools override;
  };
  withNixDb = build: userArgs: build ((if builtins.isAttrs userArgs then userArgs else { }) // { includeNixDB = true; });
in
rec {
  buildImageWithNixDb = withNixDb buildImage;
  buildLayeredImageWithNixDb = withNixDb buildLayeredImage;

  inherit (helpers)
    binSh
    usrBinEnv
    fakeNss
    caCertificates
    shadowSetup
    ;

  inherit (archives) mergeImages exportImage;

  streamLayeredImage = import ./builders/stream-layered-image.nix {
    inherit layered args step tools override;
  };
  buildLayeredImage = import ./builders/build-layered-image.nix {
    inherit layered args step override;
    # Its passthru.stream: the same plan, whose steps name buildLayeredImage.
    streamLayeredImage = import ./builders/stream-layered-image.nix {
      inherit layered args step tools override;
      who = "buildLayeredImage";
    };
  };
  buildMultiArchImage = import ./builders/multi-arch-image.nix {
    inherit args errors reference step push;
  };
  inherit (import ./builders/oci.nix { inherit validate errors step tools; }) toOCILayout toOCIArchive;
  pullImage = import ./builders/pull-image.nix {
    inherit args errors validate reference platform step system override tools;
  };
  buildImage = import ./builders/build-image.nix {
    inherit layered args step validate errors archives override;
  };
  # nixpkgs' prefetcher for pullImage, by its name: bin/nix-prefetch-docker.
  nix-prefetch-docker = import ./packages/nix-prefetch-docker.nix { inherit step tools; };
}
