# What streamLayeredImage and buildLayeredImage share: their arguments, and the
# derivations that plan an image (config file, customisation layer, plan).
{
  args,
  errors,
  validate,
  reference,
  platform,
  step,
  tools,
  system,
  push,
}:
let
  inherit (builtins)
    all
    appendContext
    baseNameOf
    concatStringsSep
    fromJSON
    isList
    length
    readFile
    replaceStrings
    seq
    storeDir
    substring
    unsafeDiscardStringContext
    ;

  toLower = replaceStrings
    [ "A" "B" "C" "D" "E" "F" "G" "H" "I" "J" "K" "L" "M" "N" "O" "P" "Q" "R" "S" "T" "U" "V" "W" "X" "Y" "Z" ]
    [ "a" "b" "c" "d" "e" "f" "g" "h" "i" "j" "k" "l" "m" "n" "o" "p" "q" "r" "s" "t" "u" "v" "w" "x" "y" "z" ];

  epochPlusOne = "1970-01-01T00:00:01Z";

  pipeline = import ../layering-pipeline.nix { inherit errors validate; };
in
rec {
  # The last component of the (lower-cased) image name: store names use it.
  imageBaseName = name: baseNameOf (toLower name);

  extensions = {
    none = "";
    gz = ".gz";
    zstd = ".zst";
  };

  # The request of the build-layered-image step (buildLayeredImage, buildImage).
  compressRequest = planned: compressor: {
    version = 2;
    plan = "${planned.conf}/plan.json";
    inherit compressor;
    zstd = if compressor == "zstd" then tools.zstd else null;
  };

  compressorArg = {
    default = "gz";
    check =
      v:
      if builtins.isString v && extensions ? ${v} then
        null
      else
        errors.problem "must be one of \"none\", \"gz\", \"zstd\"" "Use compressor = \"gz\" (the default), \"zstd\" or \"none\"";
  };

  # "layer-<hash of the paths>-<first name>": named after what it holds.
  layerName =
    paths:
    let
      first = builtins.head paths;
      label = substring 33 40 (baseNameOf (unsafeDiscardStringContext first));
    in
    "layer-${substring 0 16 (builtins.hashString "sha256" (unsafeDiscardStringContext (concatStringsSep "\n" paths)))}-${label}";

  # One store layer's record (python/stowage/cli/store_layer.py): exactly `paths`,
  # or the closure of `packages` minus the `lower` layers' paths.
  storeLayer =
    {
      who,
      name,
      mtime,
      owner,
      paths ? null,
      packages ? [ ],
      lower ? [ ],
    }:
    step.run {
      inherit who name;
      command = "store-layer";
      request = {
        version = 2;
        inherit paths storeDir mtime owner;
        lower = map (l: "${l}") lower;
      };
      extraAttrs = if paths == null then { exportReferencesGraph.closure = packages; } else { };
    };

  # The derivation of a root layer (see python/stowage/cli/root_layer.py).
  rootLayer =
    {
      who,
      name,
      contents,
      extraCommands,
      mtime,
      merge ? "link",
      keepDirlinks ? false,
      owner ? { uid = 0; gid = 0; },
      storeClosure ? false,
      fromImage ? null,
      fromImageTag ? null,
      fakeRootCommands ? "",
      perms ? [ ],
      nixDb ? false,
      # Store paths whose closure joins the database but that are not in the image.
      nixDbAlso ? [ ],
      # A script run as root with the root as / (buildImage), and fakeRootCommands
      # run so (enableFakechroot): see python/stowage/root/session.py.
      runAsRoot ? null,
      chroot ? false,
    }:
    step.run {
      inherit who name;
      command = "root-layer";
      request = {
        version = 3;
        contents = map (c: "${c}") contents;
        inherit extraCommands mtime merge keepDirlinks owner storeClosure storeDir fakeRootCommands perms nixDb;
        fromImage = if fromImage == null then null else "${fromImage}";
        inherit fromImageTag;
        nixDbExclude = map (p: "${p}") nixDbAlso;
        inherit (tools) shell path python;
        # Only what is used becomes a dependency.
        fakeroot = if fakeRootCommands == "" && runAsRoot == null then null else tools.fakeroot;
        inherit runAsRoot chroot;
        rootShell =
          if runAsRoot == null && !chroot then
            null
          else if tools.rootShell == null then
            { inherit (tools) shell path; }
          else
            tools.rootShell;
        nixStore = if nixDb then tools.nixStore else null;
      };
      extraAttrs =
        if storeClosure || nixDb then { exportReferencesGraph.closure = contents ++ nixDbAlso; } else { };
    };

  spec = {
    name = {
      required = true;
      check = v: reference.checkName (if builtins.isString v then toLower v else v);
    };
    tag = {
      default = null;
      check = reference.checkTag;
    };
    fromImage = {
      default = null;
      check = validate.nullOr validate.pathLike;
    };
    contents = {
      default = [ ];
      check = validate.contents;
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
      default = epochPlusOne;
      check = validate.timestamp;
    };
    mtime = {
      default = epochPlusOne;
      check = validate.fileTime;
    };
    uid = {
      default = 0;
      check = validate.id;
    };
    gid = {
      default = 0;
      check = validate.id;
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
          v: if builtins.isInt v then null else errors.problem "must be an integer" "It is ignored with layeringPipeline; leave it out";
    };
    layeringPipeline = {
      default = null;
      inherit (pipeline) check;
    };
    extraCommands = {
      default = "";
      check = validate.string;
    };
    fakeRootCommands = {
      default = "";
      check = validate.string;
    };
    # fakeRootCommands see the image root as / (no proot: namespaces and a chroot).
    enableFakechroot = {
      default = false;
      check = validate.bool;
    };
    perms = {
      default = [ ];
      check = validate.perms;
    };
    includeNixDB = {
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
        if isList v && all isList v && validate.firstOutsideStore (builtins.concatLists v) != null then
          validate.firstOutsideStore (builtins.concatLists v)
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
    meta = {
      default = { };
      check = validate.attrs;
    };
    # true: the layer plan (each layer's paths and why they are together) in the build log.
    debug = {
      default = false;
      check = validate.bool;
    };
  };

  # The planned image: { who, conf, customisationLayer, configFile, imageName, imageTag, baseName }.
  # `custom` may supply the root layer (buildImage's) and a pick in fromImage.
  plan =
    who: a: custom:
    let
      target = platform.forSystem who system;
      architecture = if a.architecture == null then target.architecture else seq target a.architecture;
      variant =
        if a.variant != null then
          a.variant
        else if architecture == target.architecture then
          target.variant
        else
          null;
      imageName = toLower a.name;
      baseName = imageBaseName a.name;
      contents = if isList a.contents then a.contents else [ a.contents ];

      configFile = step.run {
        inherit who;
        name = "${baseName}-config.json";
        command = "write-config";
        request = {
          version = 2;
          config = if a.config == null then { } else a.config;
        };
      };

      customisationLayer =
        custom.customisationLayer or (rootLayer {
          inherit who;
          name = "${baseName}-customisation-layer";
          inherit contents;
          inherit (a) extraCommands mtime fakeRootCommands perms;
          chroot = a.enableFakechroot;
          nixDb = a.includeNixDB;
          nixDbAlso = [ configFile ];
        });

      owner = { inherit (a) uid gid uname gname; };
      layerArgs = { inherit (a) mtime; inherit owner who; };

      # Explicit layers: a chain, each knowing the ones below it.
      explicitLayers =
        if a.layers != [ ] && a.mtime == "now" then
          errors.fail who "layers need a fixed mtime (each layer is built once, by its own derivation); got mtime = \"now\". Drop layers, or set mtime to a time such as \"1970-01-01T00:00:01Z\"."
        else
        builtins.foldl' (
        lower: group:
        lower
        ++ [
          (storeLayer (layerArgs // {
            name = layerName (map (p: "${p}") group);
            packages = group;
            inherit lower;
          }))
        ]
      ) [ ] (if a.includeStorePaths then a.layers else [ ]);

      confRequest = {
        version = 3;
        inherit imageName architecture variant owner;
        inherit (a) created mtime maxLayers includeStorePaths;
        fromImage = if a.fromImage == null then null else "${a.fromImage}";
        fromImageTag = custom.fromImageTag or null;
        customisationLayer = "${customisationLayer}";
        configFile = "${configFile}";
        explicitLayers = map (l: "${l}") explicitLayers;
        inherit storeDir;
      }
      // (if (a.layeringPipeline or null) == null then { } else { layeringPipeline = pipeline.read a.layeringPipeline; })
      # Only when set, so that images without it keep their derivations.
      // (if a.debug or false then { debug = true; } else { });

      # The layer plan: the closure grouped into layers (and the tag's source).
      layerPlan = step.run {
        inherit who;
        name = "${baseName}-conf";
        command = "mk-config";
        request = confRequest // {
          inherit (a) tag;
          layerRecords = null;
        };
        extraAttrs.exportReferencesGraph.closure = [
          customisationLayer
          configFile
        ];
      };

      imageTag =
        if a.tag != null then a.tag else substring 0 32 (baseNameOf (unsafeDiscardStringContext layerPlan.outPath));

      cached = a.cachedLayers && a.includeStorePaths && a.mtime != "now";

      # With cachedLayers: the plan's groups (read at evaluation time), each built
      # by its own derivation that depends on exactly its store paths.
      autoLayers =
        let
          planned = (fromJSON (unsafeDiscardStringContext (readFile "${layerPlan}/plan.json"))).storeLayers;
          groups = map (l: map unsafeDiscardStringContext l.paths) planned;
          auto = builtins.genList (i: builtins.elemAt groups (i + length explicitLayers)) (
            length groups - length explicitLayers
          );
        in
        map (group: storeLayer (layerArgs // {
          name = layerName group;
          paths = map (p: appendContext p { ${p} = { path = true; }; }) group;
        })) auto;

      conf =
        if !cached then
          layerPlan
        else
          step.run {
            inherit who;
            name = "${baseName}-image";
            command = "mk-config";
            request = confRequest // {
              tag = imageTag;
              layerRecords = map (l: "${l}") autoLayers;
            };
          };
    in
    {
      inherit who conf layerPlan customisationLayer configFile imageName baseName imageTag;
      storeLayers = explicitLayers ++ (if cached then autoLayers else [ ]);
    };

  # drv plus the attributes every image carries, and the user's passthru.
  finish =
    a: planned: drv: extra:
    let
      passthru =
        {
          inherit (planned) imageName imageTag layerPlan customisationLayer configFile storeLayers;
          # As nixpkgs' conf: the image's description, carrying the image's tag.
          conf = planned.conf // {
            inherit (planned) imageTag;
            passthru = { inherit (planned) imageTag; };
          };
        }
        // push.attrs a planned
        // extra
        // a.passthru;
    in
    drv // passthru // { inherit passthru; inherit (a) meta; };
}
