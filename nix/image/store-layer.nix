# The derivation of one store layer's record (python/stowage/cli/store_path_to_layer.py):
# exactly `paths`, or the closure of `packages` minus the `lower` layers' paths.
# Each is built once and shared by every image that holds the same paths,
# whichever public builder made the image: its request names `sharedWho`.
{ step }:
let
  inherit (builtins)
    baseNameOf
    concatStringsSep
    hashString
    head
    storeDir
    substring
    unsafeDiscardStringContext
    ;
  sharedWho = "layer";
in
{
  inherit sharedWho;

  # "layer-<hash of the paths>-<first name>": named after what it holds.
  layerName =
    paths:
    let
      first = head paths;
      label = substring 33 40 (baseNameOf (unsafeDiscardStringContext first));
    in
    "layer-${substring 0 16 (hashString "sha256" (unsafeDiscardStringContext (concatStringsSep "\n" paths)))}-${label}";

  storeLayer =
    {
      name,
      mtime,
      owner,
      paths ? null,
      packages ? [ ],
      lower ? [ ],
      ...
    }:
    step.run {
      who = sharedWho;
      inherit name;
      command = "store-path-to-layer";
      request = {
        version = 2;
        inherit paths storeDir mtime owner;
        lower = map (l: "${l}") lower;
      };
      extraAttrs = if paths == null then { exportReferencesGraph.closure = packages; } else { };
    };
}
