# mergeImages and exportImage: archives made from other image archives.
{
  args,
  validate,
  errors,
  step,
  tools,
  override,
}:
let
  inherit (builtins)
    all
    baseNameOf
    head
    isList
    match
    ;

  # fromImageName and fromImageTag pick one image of a multi-image archive; with
  # only one of them set, the archive's first image, as nixpkgs does (its manual
  # sets fromImageName = null; fromImageTag = "latest";).
  pickTag =
    who: a:
    if a.fromImageName == null || a.fromImageTag == null then
      null
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

  mergeImagesOf =
    images:
    let
      who = "mergeImages";
    in
    if !(isList images) || images == [ ] || !(all validate.isStorePathLike images) then
      errors.fail who "expects a non-empty list of images (derivations or paths); got ${errors.show images}. For example mergeImages [ imageA imageB ]."
    else
      step.run {
        inherit who;
        name = "merged-images.tar";
        command = "merge-images";
        request = {
          version = 2;
          images = map (i: "${i}") images;
          inherit (tools) zstd;
        };
      };

  exportSpec = pickSpec // {
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

  exportImageOf =
    userArgs:
    let
      who = "exportImage";
      a = args.parse who exportSpec userArgs;
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
        version = 2;
        fromImage = "${a.fromImage}";
        fromImageTag = pickTag who a;
        inherit (tools) zstd;
      };
    };
in
{
  inherit pickTag pickSpec;

  # mergeImages images; its override takes the new list, or a function of the old one.
  mergeImages =
    images:
    override.overridable {
      who = "mergeImages";
      names = [ "images" ];
      merge = old: new: { images = if builtins.isFunction new then new old.images else new; };
    } (a: mergeImagesOf a.images) { inherit images; };

  exportImage = override.overridable {
    who = "exportImage";
    names = builtins.attrNames exportSpec;
  } exportImageOf;
}
