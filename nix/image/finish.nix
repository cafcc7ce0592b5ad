# What every image builder returns: its derivation plus the attributes every
# image carries (the plan's parts, as nixpkgs' conf and layer; copyToRegistry and
# the engine loaders of push.nix), the builder's own extras and the user's passthru.
{ push }:
image: planned: drv: extra:
let
  passthru =
    {
      inherit (planned) imageName imageTag layerPlan customisationLayer configFile storeLayers;
      # As nixpkgs' conf: the image's description, carrying the image's tag.
      conf = planned.conf // {
        inherit (planned) imageTag;
        passthru = { inherit (planned) imageTag; };
      };
    }
    // push.attrs image planned
    // extra
    // image.passthru;
in
drv // passthru // { inherit passthru; inherit (image) meta; }
