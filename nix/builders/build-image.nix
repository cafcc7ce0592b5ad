# buildImage: one new layer (copyToRoot copied into the root, plus the store
# closure it needs) on top of fromImage's layers, as a docker-archive file.
{
  layered,
  args,
  step,
  validate,
  errors,
  archives,
  override,
}:
let
  inherit (builtins) isList removeAttrs;
  who = "buildImage";

  spec =
    removeAttrs layered.spec [
      "contents"
      "maxLayers"
      "layeringPipeline"
      "includeStorePaths"
      "uname"
      "gname"
      "mtime"
      "passthru"
      "enableFakechroot"
      "layers"
      "cachedLayers"
      "debug"
    ]
    // archives.pickSpec
    // {
      copyToRoot = {
        default = null;
        check = validate.nullOr validate.contents;
      };
      contents = {
        default = null;
        check = validate.nullOr validate.contents;
      };
      keepContentsDirlinks = {
        default = false;
        check = validate.bool;
      };
      compressor = layered.compressorArg;
      # The new layer's file times too (as the mtime of the layered builders).
      created = {
        default = layered.spec.created.default;
        check = validate.fileTime;
      };

      # Shell run as root with the image root (fromImage's layers, then copyToRoot) as /;
      # no virtual machine: see python/stowage/root/session.py.
      runAsRoot = {
        default = null;
        check = validate.nullOr validate.string;
      };
      # Accepted for compatibility: they sized nixpkgs' virtual machine for runAsRoot.
      diskSize = {
        default = null;
      };
      buildVMMemorySize = {
        default = null;
      };
    };

  rootItems =
    a:
    if a.contents != null && a.copyToRoot != null then
      errors.fail who "contents and copyToRoot are both set; got contents = ${errors.show a.contents}. Use copyToRoot only (contents is its deprecated name)."
    else if a.contents != null then
      errors.warn who "contents is deprecated; use copyToRoot (it copies into the image root; wrap packages in buildEnv to add them to /bin)." a.contents
    else
      a.copyToRoot;

  asList = v: if v == null then [ ] else if isList v then v else [ v ];
in
override.overridable { inherit who; names = builtins.attrNames spec; } (
userArgs:
let
  a = args.parse who spec userArgs;
  layeredArgs = a // {
    contents = [ ];
    enableFakechroot = false;
    layers = [ ];
    cachedLayers = false;
    # One layer of its own on the base's: at most what Docker loads ("max depth exceeded").
    maxLayers = 125;
    includeStorePaths = false;
    uname = "root";
    gname = "root";
    mtime = a.created;
    passthru = { };
  };
  items = asList (rootItems a);
  planned = layered.plan who layeredArgs {
    customisationLayer = layered.rootLayer {
      inherit who;
      name = "${layered.imageBaseName a.name}-layer";
      contents = items;
      inherit (a) extraCommands fromImage fakeRootCommands perms runAsRoot;
      fromImageTag = archives.pickTag who a;
      nixDb = a.includeNixDB;
      mtime = if a.created == "now" then "1970-01-01T00:00:01Z" else a.created;
      merge = "copy";
      keepDirlinks = a.keepContentsDirlinks;
      owner = { inherit (a) uid gid; };
      storeClosure = true;
    };
    fromImageTag = archives.pickTag who a;
  };
  drv = step.run {
    inherit who;
    name = "docker-image-${planned.baseName}.tar${layered.extensions.${a.compressor}}";
    command = "build-layered-image";
    request = layered.compressRequest planned a.compressor;
  };
in
layered.finish layeredArgs planned drv { layer = planned.customisationLayer; buildArgs = userArgs; }
)
