# Getting an image out: copyToRegistry (push), copyToDockerDaemon and copyToPodman,
# the executables every image carries (see finish.nix).
#
# A push needs each layer's compressed digest. Those are recorded at build time by
# compressed-layer derivations that only copyToRegistry depends on: an image that
# is never pushed never compresses anything, and each derivation is keyed on what
# makes its layer (a store layer's record derivation, the customisation layer's
# derivation, the base archive), so a layer shared by images is compressed once.
# The blobs themselves are not stored: the push compresses again, and checks it
# gets exactly the recorded bytes.
{ errors, step, launch }:
let
  inherit (builtins) storeDir;

  # gzip level of every pushed layer. 6 is gzip's own default: the size most
  # registries' layers have, at a cost paid once per layer (at build time) plus
  # once per upload of a missing layer.
  level = 6;

  compressed =
    who: name: source:
    step.run {
      inherit who;
      name = "${name}-gz";
      command = "compress-layer";
      request = {
        version = 2;
        inherit level storeDir;
        store = null;
        tar = null;
        archive = null;
      } // source;
    };

  launcher = who: name: module: args: launch { inherit who name module args; };

  # The push plan of an image: its layers' blobs, configuration and manifest.
  pushPlan =
    a: planned:
    step.run {
      inherit (planned) who;
      name = "${planned.baseName}-push";
      command = "push-plan";
      request = {
        version = 2;
        plan = "${planned.conf}/plan.json";
        inherit level;
        baseBlobs = if a.fromImage == null then null else "${compressed planned.who "base-layers" { archive = "${a.fromImage}"; }}";
        storeBlobs = map (l: "${compressed planned.who l.name { store = "${l}"; }}") planned.storeLayers;
        customisationBlob = "${compressed planned.who planned.customisationLayer.name { tar = "${planned.customisationLayer}"; }}";
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
  inherit level launcher;

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
