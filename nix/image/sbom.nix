# An image's supply-chain documents (see python/stowage/supply): `sbom` (SPDX 2.3
# JSON) and `sbomCycloneDX` (CycloneDX 1.5 JSON), each a file listing the store
# paths of the image's layers and its base image's layers, and `provenance` (an
# in-toto statement with a SLSA provenance predicate about the pushed manifest).
# All are built from the image plan and Nix's references graph of it, which gives
# every path's NAR hash and references: nothing is built that the image does not.
{ errors, step }:
let
  inherit (builtins) unsafeDiscardStringContext;

  inToto = "application/vnd.in-toto+json";
  sboms = documents: [
    { mediaType = "application/spdx+json"; file = "${documents.sbom}"; }
    { mediaType = "application/vnd.cyclonedx+json"; file = "${documents.sbomCycloneDX}"; }
  ];

  document =
    who: a: planned: suffix: request:
    if a.created == "now" then
      errors.fail who "needs an image whose creation time is fixed; got created = \"now\". Set created to a time such as \"1970-01-01T00:00:01Z\" (the default)"
    else
      step.run {
        # The steps name the image's builder, as its other steps do.
        inherit (planned) who;
        name = "${planned.baseName}${suffix}";
        command = "sbom";
        request = {
          version = 2;
          plan = "${planned.conf}/plan.json";
        } // request;
        extraAttrs.exportReferencesGraph.closure = [ planned.conf ];
      };
in
{
  # The attributes finish adds to every image: `a` has the image's final annotations,
  # `drv` is the image's derivation and `pushPlan` its push plan (the manifest).
  attrs = a: planned: drv: pushPlan: {
    sbom = document "sbom" a planned ".spdx.json" { format = "spdx"; };
    sbomCycloneDX = document "sbomCycloneDX" a planned ".cdx.json" { format = "cyclonedx"; };
    provenance = document "provenance" a planned ".provenance.json" {
      format = "provenance";
      pushPlan = "${pushPlan}";
      # A name, not a dependency: the statement says which derivation made the image.
      derivation = unsafeDiscardStringContext drv.drvPath;
      inherit (a) annotations;
    };
  };

  # What copyToRegistry attaches to the pushed image (its --attach arguments), of `attrs`.
  attachments =
    documents: map (d: "${d.mediaType}=${d.file}") (sboms documents ++ [ { mediaType = inToto; file = "${documents.provenance}"; } ]);

  # What toOCILayout stores with an image (python/stowage/formats/oci_referrers.py): its
  # SBOMs, when it is an image of this library whose creation time is fixed. (Not the
  # provenance: it is about the pushed manifest, not the layout's.)
  layoutAttachments =
    image:
    if image ? sbom && image ? sbomCycloneDX && (image.annotations or { }) ? "org.opencontainers.image.created" then
      sboms image
    else
      [ ];
}
