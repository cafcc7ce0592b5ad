# The image description (see plan.nix) of streamLayeredImage and buildLayeredImage
# from their parsed arguments: the customisation layer holds `contents`, and the
# closure is grouped into store layers.
{ rootLayer }:
let
  inherit (builtins) isList;
in
a:
{
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
    mtime
    maxLayers
    layeringPipeline
    includeStorePaths
    layers
    cachedLayers
    debug
    passthru
    meta
    ;
  fromImageTag = null;
  owner = { inherit (a) uid gid uname gname; };
  rootLayer =
    { who, baseName, configFile }:
    rootLayer {
      inherit who;
      name = "${baseName}-customisation-layer";
      contents = if isList a.contents then a.contents else [ a.contents ];
      inherit (a) extraCommands mtime fakeRootCommands perms;
      chroot = a.enableFakechroot;
      nixDb = a.includeNixDB;
      nixDbAlso = [ configFile ];
    };
}
