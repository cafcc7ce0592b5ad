# The derivation of an image's root layer (python/stowage/cli/root_layer.py): the
# customisation layer of the layered builders, buildImage's one new layer.
{ step, tools }:
let
  inherit (builtins) storeDir;
in
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
}
