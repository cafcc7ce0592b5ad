# buildImage: one new layer (copyToRoot copied into the root, plus the store
# closure it needs) on top of fromImage's layers, as a docker-archive file.
{
  arguments,
  plan,
  finish,
  rootLayer,
  archiveFile,
  compressors,
  basePick,
  args,
  validate,
  errors,
  override,
}:
let
  inherit (builtins) attrNames isList;
  who = "buildImage";

  # The arguments every image builder takes, and buildImage's own.
  spec =
    arguments.image
    // basePick.pickSpec
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
      compressor = compressors.argument;
      # The new layer's file times too (as the mtime of the layered builders).
      created = {
        default = arguments.image.created.default;
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
override.overridable
  {
    inherit who;
    names = attrNames spec;
  }
  (
    userArgs:
    let
      a = args.parse who spec userArgs;
      items = asList (rootItems a);
      fromImageTag = basePick.pickTag who a;
      # One layer of its own on the base's.
      image = {
        inherit (a)
          name
          tag
          annotations
          pushCompression
          fromImage
          config
          architecture
          variant
          created
          meta
          ;
        inherit fromImageTag;
        mtime = a.created;
        owner = {
          inherit (a) uid gid;
          uname = "root";
          gname = "root";
        };
        # At most what Docker loads ("max depth exceeded").
        maxLayers = 125;
        layeringPipeline = null;
        includeStorePaths = false;
        layers = [ ];
        cachedLayers = false;
        debug = false;
        passthru = { };
        rootLayer =
          { who, baseName, ... }:
          rootLayer {
            inherit who;
            name = "${baseName}-layer";
            contents = items;
            inherit (a) extraCommands fromImage fakeRootCommands perms runAsRoot;
            inherit fromImageTag;
            nixDb = a.includeNixDB;
            mtime = if a.created == "now" then "1970-01-01T00:00:01Z" else a.created;
            merge = "copy";
            keepDirlinks = a.keepContentsDirlinks;
            owner = { inherit (a) uid gid; };
            storeClosure = true;
          };
      };
      planned = plan who image;
      drv = archiveFile {
        inherit who;
        name = "docker-image-${planned.baseName}";
        inherit planned;
        inherit (a) compressor;
      };
    in
    finish image planned drv {
      layer = planned.customisationLayer;
      buildArgs = userArgs;
    }
  )
