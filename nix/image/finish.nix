# What every image builder returns: its derivation plus the attributes every
# image carries (the plan's parts, as nixpkgs' conf and layer; copyToRegistry and
# the engine loaders of push.nix), the builder's own extras and the user's passthru.
{
  push,
  sbom,
  annotations,
}:
image: planned: drv: extra:
let
  imageAnnotations = annotations.forImage image.created image.annotations;
  annotated = image // { annotations = imageAnnotations; };
  pushAttrs = push.attrs (annotated // { attachments = sbom.attachments documents; }) planned;
  documents = sbom.attrs annotated planned drv pushAttrs.pushPlan;
  passthru =
    {
      inherit (planned) imageName imageTag layerPlan customisationLayer configFile storeLayers;
      annotations = imageAnnotations;
      # As nixpkgs' conf: the image's description, carrying the image's tag.
      conf = planned.conf // {
        inherit (planned) imageTag;
        passthru = { inherit (planned) imageTag; };
      };
    }
    // pushAttrs
    // documents
    // extra
    // image.passthru;
in
drv // passthru // { inherit passthru; inherit (image) meta; }
