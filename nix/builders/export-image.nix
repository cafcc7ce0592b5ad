# exportImage: the root file system of an image archive (its layers applied in
# order) as one tar file.
{
  args,
  validate,
  step,
  compressors,
  override,
  basePick,
}:
let
  inherit (builtins) baseNameOf head match;
  who = "exportImage";

  # "x.tar.gz" -> "x"
  stem =
    name:
    let
      m = match "(.*)\\.tar(\\.gz|\\.zst)?" name;
    in
    if m == null then name else head m;

  spec = basePick.pickSpec // {
    fromImage = {
      required = true;
      check = validate.pathLike;
    };
    name = {
      default = null;
      check = validate.nullOr validate.string;
    };
    # Accepted for compatibility: no virtual machine is involved here.
    diskSize = {
      default = null;
    };
  };
in
override.overridable
  {
    inherit who;
    names = builtins.attrNames spec;
  }
  (
    userArgs:
    let
      a = args.parse who spec userArgs;
      name =
        if a.name != null then
          a.name
        else
          "${stem (a.fromImage.name or (baseNameOf "${a.fromImage}"))}-root.tar";
    in
    step.run {
      inherit who name;
      command = "export-image";
      request = {
        version = 3;
        fromImage = "${a.fromImage}";
        fromImageTag = basePick.pickTag who a;
        compressors = compressors.programs;
      };
    }
  )
