# buildMultiArchImage: images built for several platforms (each with
# `import stowage { system = …; }`) as one OCI image index, pushed as one
# reference by its copyToRegistry. The output holds the index and the list of the
# images' push plans; the index entries' platforms come from each image's config.
{
  args,
  errors,
  reference,
  step,
  push,
}:
let
  inherit (builtins) all baseNameOf isAttrs isList;
  who = "buildMultiArchImage";

  isImage = v: isAttrs v && v ? pushPlan && v ? imageName;

  spec = {
    name = {
      required = true;
      check = reference.checkName;
    };
    tag = {
      default = "latest";
      check = v: if v == null then errors.problem "must be a tag" "For example tag = \"latest\" (the default)" else reference.checkTag v;
    };
    images = {
      required = true;
      check =
        v:
        if isList v && v != [ ] && all isImage v then
          null
        else
          errors.problem "must be a non-empty list of images of this library, one per platform" "For example images = [ ((import stowage { system = \"x86_64-linux\"; }).buildLayeredImage args) ((import stowage { system = \"aarch64-linux\"; }).buildLayeredImage args) ]";
    };
  };
in
userArgs:
let
  a = args.parse who spec userArgs;
  baseName = baseNameOf a.name;
  drv = step.run {
    inherit who;
    name = "${baseName}-multi-arch";
    command = "multi-arch-image";
    request = {
      version = 2;
      repoTag = "${a.name}:${a.tag}";
      images = map (image: "${image.pushPlan}") a.images;
    };
  };
  passthru = {
    imageName = a.name;
    imageTag = a.tag;
    inherit (a) images;
    copyToRegistry = push.launcher who "copy-to-registry-${baseName}" "stowage.cli.copy_to_registry" [
      "--multi-arch"
      "${drv}"
    ];
  };
in
drv // passthru // { inherit passthru; }
