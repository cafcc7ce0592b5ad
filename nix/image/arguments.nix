# The arguments the image builders share, as argument specs (see args.nix):
# `image`, every image builder's (buildImage and the layered builders), and
# `layered`, those of streamLayeredImage and buildLayeredImage.
{
  errors,
  validate,
  reference,
  platform,
  pipeline,
  names,
  annotations,
  pushCompression,
}:
let
  inherit (builtins) all concatLists isInt isList isString;

  image = {
    # OCI annotations of the pushed manifest and of toOCILayout's (annotations.nix).
    annotations = annotations.spec;
    # How copyToRegistry compresses the layers (push-compression.nix).
    pushCompression = pushCompression.spec;
    name = {
      required = true;
      check = v: reference.checkName (if isString v then names.toLower v else v);
    };
    tag = {
      default = null;
      check = reference.checkTag;
    };
    fromImage = {
      default = null;
      check = validate.nullOr validate.pathLike;
    };
    config = {
      default = { };
      check = validate.nullOr validate.attrs;
    };
    architecture = {
      default = null;
      check = validate.nullOr platform.checkArchitecture;
    };
    variant = {
      default = null;
      check = validate.nullOr validate.string;
    };
    created = {
      default = names.epochPlusOne;
      check = validate.timestamp;
    };
    uid = {
      default = 0;
      check = validate.id;
    };
    gid = {
      default = 0;
      check = validate.id;
    };
    extraCommands = {
      default = "";
      check = validate.string;
    };
    fakeRootCommands = {
      default = "";
      check = validate.string;
    };
    perms = {
      default = [ ];
      check = validate.perms;
    };
    includeNixDB = {
      default = false;
      check = validate.bool;
    };
    meta = {
      default = { };
      check = validate.attrs;
    };
  };
in
{
  inherit image;

  layered = image // {
    contents = {
      default = [ ];
      check = validate.contents;
    };
    mtime = {
      default = names.epochPlusOne;
      check = validate.fileTime;
    };
    uname = {
      default = "root";
      check = validate.string;
    };
    gname = {
      default = "root";
      check = validate.string;
    };
    # As in nixpkgs, a layeringPipeline makes the layers alone: maxLayers is ignored.
    maxLayers = {
      default = 100;
      checkWith =
        values:
        if (values.layeringPipeline or null) == null then
          validate.maxLayers
        else
          v: if isInt v then null else errors.problem "must be an integer" "It is ignored with layeringPipeline; leave it out";
    };
    layeringPipeline = {
      default = null;
      inherit (pipeline) check;
    };
    # fakeRootCommands see the image root as / (no proot: namespaces and a chroot).
    enableFakechroot = {
      default = false;
      check = validate.bool;
    };
    includeStorePaths = {
      default = true;
      check = validate.bool;
    };
    # Explicit layers: each a list of packages, bottom first; each becomes one layer
    # of their closure minus what lower layers hold. The rest is grouped above.
    layers = {
      default = [ ];
      check =
        v:
        if isList v && all isList v && validate.firstOutsideStore (concatLists v) != null then
          validate.firstOutsideStore (concatLists v)
        else if isList v && all (g: isList g && all validate.isStorePathLike g) v then
          null
        else
          errors.problem "must be a list of lists of packages (one list per layer, bottom first)" "For example layers = [ [ pkgs.glibc ] [ pkgs.python3 ] ]";
    };
    # Each store layer its own derivation (recorded digest, shared between images,
    # cached). Evaluation then builds the layer plan (import from derivation), which
    # Hydra, nixpkgs' CI and `nix flake check` of other systems refuse: opt-in.
    cachedLayers = {
      default = false;
      check = validate.bool;
    };
    passthru = {
      default = { };
      check = validate.attrs;
    };
    # true: the layer plan (each layer's paths and why they are together) in the build log.
    debug = {
      default = false;
      check = validate.bool;
    };
  };
}
