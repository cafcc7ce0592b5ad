# plan who image: the derivations that plan an image (its config file, root
# layer, layer plan and, with cachedLayers, one record per store layer) from an
# image description:
#   { name, tag, fromImage, fromImageTag, config, architecture, variant, created,
#     mtime, owner = { uid, gid, uname, gname }, maxLayers, layeringPipeline,
#     includeStorePaths, layers, cachedLayers, debug,
#     rootLayer = { who, baseName, configFile }: the root layer's derivation }
# Returns { who, conf, layerPlan, customisationLayer, configFile, imageName, baseName,
# imageTag, storeLayers }.
{
  errors,
  platform,
  pipeline,
  names,
  step,
  layers,
  system,
}:
let
  inherit (builtins)
    appendContext
    baseNameOf
    elemAt
    foldl'
    fromJSON
    genList
    length
    readFile
    seq
    storeDir
    substring
    unsafeDiscardStringContext
    ;
in
who: a:
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
  imageName = names.toLower a.name;
  baseName = names.imageBaseName a.name;

  configFile = step.run {
    inherit who;
    name = "${baseName}-config.json";
    command = "write-config";
    request = {
      version = 2;
      config = if a.config == null then { } else a.config;
    };
  };

  customisationLayer = a.rootLayer { inherit who baseName configFile; };

  layerArgs = { inherit (a) mtime owner; inherit who; };

  # Explicit layers: a chain, each knowing the ones below it.
  explicitLayers =
    if a.layers != [ ] && a.mtime == "now" then
      errors.fail who "layers need a fixed mtime (each layer is built once, by its own derivation); got mtime = \"now\". Drop layers, or set mtime to a time such as \"1970-01-01T00:00:01Z\"."
    else
      foldl' (
        lower: group:
        lower
        ++ [
          (layers.storeLayer (layerArgs // {
            name = layers.layerName (map (p: "${p}") group);
            packages = group;
            inherit lower;
          }))
        ]
      ) [ ] (if a.includeStorePaths then a.layers else [ ]);

  confRequest = {
    version = 3;
    inherit imageName architecture variant;
    inherit (a) created mtime maxLayers includeStorePaths owner;
    fromImage = if a.fromImage == null then null else "${a.fromImage}";
    inherit (a) fromImageTag;
    customisationLayer = "${customisationLayer}";
    configFile = "${configFile}";
    explicitLayers = map (l: "${l}") explicitLayers;
    inherit storeDir;
  }
  // (if a.layeringPipeline == null then { } else { layeringPipeline = pipeline.read a.layeringPipeline; })
  # Only when set, so that images without it keep their derivations.
  // (if a.debug then { debug = true; } else { });

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
      auto = genList (i: elemAt groups (i + length explicitLayers)) (
        length groups - length explicitLayers
      );
    in
    map (group: layers.storeLayer (layerArgs // {
      name = layers.layerName group;
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
}
