# fromImageName and fromImageTag: the arguments that pick one image of a
# multi-image archive (buildImage's fromImage, exportImage's). With only one of
# them set, the archive's first image, as nixpkgs does (its manual sets
# fromImageName = null; fromImageTag = "latest";).
{ validate }:
{
  # "name:tag" of the picked image, or null for the archive's first.
  pickTag =
    who: a:
    if a.fromImageName == null || a.fromImageTag == null then
      null
    else
      "${a.fromImageName}:${a.fromImageTag}";

  pickSpec = {
    fromImageName = {
      default = null;
      check = validate.nullOr validate.string;
    };
    fromImageTag = {
      default = null;
      check = validate.nullOr validate.string;
    };
  };
}
