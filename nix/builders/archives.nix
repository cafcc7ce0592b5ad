# mergeImages and exportImage: archives made from other image archives.
{
  args,
  validate,
  errors,
  step,
  tools,
}:
let
  inherit (builtins)
    all
    baseNameOf
    head
    isList
    match
    ;

  # fromImageName and fromImageTag pick one image of a multi-image archive.
  pickTag =
    who: a:
    if a.fromImageName == null && a.fromImageTag == null then
      null
    else if a.fromImageName == null || a.fromImageTag == null then
      errors.fail who "fromImageName and fromImageTag go together; got fromImageName = ${errors.show a.fromImageName}, fromImageTag = ${errors.show a.fromImageTag}. Set both to pick an image, or neither for the archive's first image."
    else
      "${a.fromImageName}:${a.fromImageTag}";

  # The arguments that pick one image of a multi-image fromImage archive.
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

  # "x.tar.gz" -> "x"
  stem =
    name:
    let
      m = match "(.*)\\.tar(\\.gz|\\.zst)?" name;
    in
    if m == null then name else head m;
in
{
  inherit pickTag pickSpec;

  mergeImages =
    images:
    let
      who = "mergeImages";
    in
    if !(isList images) || images == [ ] || !(all validate.isStorePathLike images) then
      errors.fail who "expects a non-empty list of images (derivations or paths); got ${errors.show images}. For example mergeImages [ imageA imageB ]."
    else
      step.run {
        name = "merged-images.tar";
        command = "merge-images";
        request = {
          version = 1;
          images = map (i: "${i}") images;
          inherit (tools) zstd;
        };
      };

  exportImage =
    userArgs:
    let
      who = "exportImage";
      a = args.parse who (pickSpec // {
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
      }) userArgs;
      name =
        if a.name != null then
          a.name
        else
          "${stem (a.fromImage.name or (baseNameOf "${a.fromImage}"))}-root.tar";
    in
    step.run {
      inherit name;
      command = "export-image";
      request = {
        version = 1;
        fromImage = "${a.fromImage}";
        fromImageTag = pickTag who a;
        inherit (tools) zstd;
      };
    };
}
