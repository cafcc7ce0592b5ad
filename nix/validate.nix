# Checks for builder arguments. Each takes the value and returns null when it is
# fine, or errors.problem <what is wrong> <how to fix it>.
{ errors }:
let
  inherit (builtins)
    all
    filter
    hasContext
    head
    isAttrs
    isBool
    isInt
    isList
    isPath
    isString
    match
    storeDir
    stringLength
    substring
    ;
  inherit (errors) problem show;

  # A string names a store path when Nix knows what it comes from (context) or it
  # is spelled in the store. "/etc" would point at the build machine's own files.
  isStoreString = v: isString v && (hasContext v || substring 0 (stringLength storeDir + 1) v == "${storeDir}/");

  # A path value is fine: Nix copies it into the store.
  isStorePathLike =
    v: isPath v || isStoreString v || (isAttrs v && v ? outPath && (isPath v.outPath || isStoreString v.outPath));

  # The verdict for an absolute path, as a string, outside the store; else null.
  outsideStore =
    v:
    if isString v && substring 0 1 v == "/" && !(isStoreString v) then
      problem "holds ${show v}, a string outside ${storeDir}, which would point at the build machine's own files" "Import a local file or directory as a path (./dir, or builtins.path { path = /etc/x; name = \"x\"; }), or pass a derivation"
    else
      null;

  firstOutsideStore =
    items:
    let
      found = filter (v: outsideStore v != null) items;
    in
    if found == [ ] then null else outsideStore (head found);
in
{
  inherit isStorePathLike firstOutsideStore;

  string = v: if isString v then null else problem "must be a string" "Pass a string, e.g. \"\"";

  bool = v: if isBool v then null else problem "must be true or false" "Pass a boolean";

  attrs = v: if isAttrs v && !(v ? outPath) then null else problem "must be an attribute set" "Pass { ... }";

  nullOr = check: v: if v == null then null else check v;

  # uid/gid
  id = v: if isInt v && v >= 0 then null else problem "must be a non-negative integer" "For example 0 (root) or 1000";

  maxLayers =
    v:
    if isInt v && v > 1 then
      null
    else
      problem "must be an integer greater than 1" "Use 2 or more (default 100): one layer is always taken by the customisation layer";

  timestamp =
    v:
    if
      isString v
      && (
        v == "now"
        || match "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})" v != null
      )
    then
      null
    else
      problem "must be an RFC 3339 time or \"now\"" "For example \"1970-01-01T00:00:01Z\" (the default) or \"2024-05-01T12:00:00+02:00\"";

  # A store path, a path or a derivation (an image archive, a package).
  pathLike =
    v:
    if outsideStore v != null then
      outsideStore v
    else if isStorePathLike v then
      null
    else
      problem "must be a path or a derivation" "For example fromImage = ./base.tar or fromImage = otherImage";

  # contents: one item or a list of items, each a path or a derivation.
  contents =
    v:
    if firstOutsideStore (if isList v then v else [ v ]) != null then
      firstOutsideStore (if isList v then v else [ v ])
    else if isStorePathLike v || (isList v && all isStorePathLike v) then
      null
    else
      problem "must be a derivation, a path, or a list of them" "For example contents = [ pkgs.hello ./files ]";

  # perms: [ { path = "/home/alice"; uid = 1000; gid = 1000; mode = "0750"; recursive = true; } ]
  perms =
    v:
    let
      known = [ "path" "uid" "gid" "mode" "recursive" ];
      ruleOk =
        r:
        isAttrs r
        && r ? path
        && isString r.path
        && substring 0 1 r.path == "/"
        && all (n: builtins.elem n known) (builtins.attrNames r)
        && (!(r ? uid) || (isInt r.uid && r.uid >= 0))
        && (!(r ? gid) || (isInt r.gid && r.gid >= 0))
        && (!(r ? mode) || (isString r.mode && match "[0-7]?[0-7]{3}" r.mode != null))
        && (!(r ? recursive) || isBool r.recursive);
    in
    if isList v && all ruleOk v then
      null
    else
      problem "must be a list of rules { path (absolute); uid?; gid?; mode? (octal string); recursive?; }" "For example perms = [ { path = \"/home/alice\"; uid = 1000; gid = 1000; mode = \"0750\"; } ]";
}
