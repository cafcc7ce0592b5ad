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
  annotations,
  sbom,
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
    # The index's annotations (each image's manifest has its own).
    annotations = annotations.spec;
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
    } // (if a.annotations == { } then { } else { inherit (a) annotations; });
  };
  passthru = {
    imageName = a.name;
    imageTag = a.tag;
    inherit (a) images annotations;
    copyToRegistry = push.launcher who "copy-to-registry-${baseName}" "stowage.cli.copy_to_registry" (
      [
        "--multi-arch"
        "${drv}"
      ]
      # Each image's SBOMs and provenance, attached to its own manifest: "<n>:<type>=<file>",
      # n counting the images from 1.
      ++ builtins.concatLists (
        builtins.genList (
          i:
          builtins.concatMap (file: [
            "--attach"
            "${toString (i + 1)}:${file}"
          ]) (sbom.attachments (builtins.elemAt a.images i))
        ) (builtins.length a.images)
      )
    );
  };
in
drv // passthru // { inherit passthru; }
