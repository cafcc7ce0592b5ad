# Getting an image out: copyToRegistry (push), copyToDockerDaemon and copyToPodman,
# the executables every image carries (see finish.nix).
#
# A push needs each layer's compressed digest. Those are recorded at build time by
# compressed-layer derivations that only copyToRegistry depends on: an image that
# is never pushed never compresses anything, and each derivation is keyed on what
# makes its layer (a store layer's record derivation, the customisation layer's
# derivation, the base archive), so a layer shared by images is compressed once.
# The blobs themselves are not stored unless the image's pushCompression says
# keepBlobs = true: the push compresses again, and checks it gets exactly the
# recorded bytes. The format and level are the image's (push-compression.nix);
# the default, gzip at level 1, gives the layers every registry and engine reads,
# about the size of those skopeo and Docker push, at their speed.
{
  errors,
  layers,
  step,
  launch,
  compressors,
  pushCompression,
}:
let
  inherit (builtins) storeDir;

  # Compression settings as the compress-layer and push-plan requests carry them.
  settings =
    c:
    {
      inherit (c) format level;
      keep = c.keepBlobs;
      zstd = if c.format == "zstd" then compressors.byName.zstd.program else null;
    };

  suffix = c: if c.format == "gzip" && c.level == 1 then "gz" else "${c.format}${toString c.level}";

  compressed =
    who: c: name: source:
    step.run {
      inherit who;
      name = "${name}-${suffix c}${if c.keepBlobs then "-blob" else ""}";
      command = "compress-layer";
      request = {
        version = 3;
        inherit storeDir;
        compression = settings c;
        store = null;
        tar = null;
        archive = null;
      } // source;
    };

  launcher = who: name: module: args: launch { inherit who name module args; };

  # The push plan of an image: its layers' blobs, configuration and manifest.
  pushPlan =
    a: planned:
    let
      c = pushCompression.normalise a.pushCompression;
    in
    step.run {
      inherit (planned) who;
      name = "${planned.baseName}-push";
      command = "push-plan";
      request = {
        version = 3;
        plan = "${planned.conf}/plan.json";
        baseBlobs = if a.fromImage == null then null else "${compressed planned.who c "base-layers" { archive = "${a.fromImage}"; }}";
        storeBlobs = map (l: "${compressed layers.sharedWho c l.name { store = "${l}"; }}") planned.storeLayers;
        customisationBlob = "${compressed planned.who c planned.customisationLayer.name { tar = "${planned.customisationLayer}"; }}";
        compression = settings c;
        inherit (a) annotations;
      };
    };

  # A push needs the image's bytes fixed: the same at build time and at push time.
  pushable =
    a: value:
    if a.created == "now" || a.mtime == "now" then
      errors.fail "copyToRegistry" "needs an image whose bytes are fixed at build time; got ${if a.created == "now" then "created" else "mtime"} = \"now\". Set it to a time such as \"1970-01-01T00:00:01Z\" (the default), or push the stream with another tool"
    else
      value;
in
{
  inherit launcher;

  # The attributes finish adds to every image.
  attrs =
    a: planned:
    let
      plan = "${planned.conf}/plan.json";
      push = pushable a (pushPlan a planned);
    in
    {
      pushPlan = push;
      copyToRegistry = pushable a (launcher planned.who "copy-to-registry-${planned.baseName}" "stowage.cli.copy_to_registry" (
        [
          "--push"
          "${push}"
        ]
        # The image's SBOMs, pushed as artifacts about it (see nix/image/sbom.nix).
        ++ builtins.concatMap (file: [ "--attach" file ]) (a.attachments or [ ])
      ));
      copyToDockerDaemon = launcher planned.who "copy-to-docker-daemon-${planned.baseName}" "stowage.cli.load_image" [
        "--plan"
        plan
        "--engine"
        "docker"
      ];
      copyToPodman = launcher planned.who "copy-to-podman-${planned.baseName}" "stowage.cli.load_image" [
        "--plan"
        plan
        "--engine"
        "podman"
      ];
    };
}
