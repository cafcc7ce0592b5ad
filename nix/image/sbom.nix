# An image's software bill of materials: `sbom` (SPDX 2.3 JSON) and
# `sbomCycloneDX` (CycloneDX 1.5 JSON), each a file listing the store paths of the
# image's layers and its base image's layers (see python/stowage/supply). Both are
# built from the image plan and Nix's references graph of it, which gives every
# path's NAR hash and references: nothing is built that the image does not build.
{ errors, step }:
let
  document =
    a: planned: format: suffix:
    if a.created == "now" then
      errors.fail "sbom" "needs an image whose creation time is fixed; got created = \"now\". Set created to a time such as \"1970-01-01T00:00:01Z\" (the default)"
    else
      step.run {
        name = "${planned.baseName}${suffix}";
        command = "sbom";
        request = {
          version = 1;
          inherit format;
          plan = "${planned.conf}/plan.json";
        };
        extraAttrs.exportReferencesGraph.closure = [ planned.conf ];
      };
in
{
  # The attributes finish adds to every image.
  attrs = a: planned: {
    sbom = document a planned "spdx" ".spdx.json";
    sbomCycloneDX = document a planned "cyclonedx" ".cdx.json";
  };

  # What copyToRegistry attaches to the pushed image (its --attach arguments), of `attrs`.
  attachments = documents: [
    "application/spdx+json=${documents.sbom}"
    "application/vnd.cyclonedx+json=${documents.sbomCycloneDX}"
  ];
}
