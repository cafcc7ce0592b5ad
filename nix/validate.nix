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
  # Ids are 32-bit, and (uid_t) -1 = 4294967295 means "no change" to chown.
  idMax = 4294967294;
  idOk = v: v >= 0 && v <= idMax;
  tarTimeMax = 8589934591; # 8^11 - 1: 11 octal digits

  # "08" -> 8 (fromJSON refuses leading zeros).
  toInt =
    digits:
    if stringLength digits > 1 && substring 0 1 digits == "0" then
      toInt (substring 1 (stringLength digits) digits)
    else
      builtins.fromJSON digits;

  isLeap = y: (mod y 4 == 0 && mod y 100 != 0) || mod y 400 == 0;
  mod = a: b: a - (a / b) * b;
  daysIn = y: m: if m == 2 then (if isLeap y then 29 else 28) else builtins.elemAt [ 31 0 31 30 31 30 31 31 30 31 30 31 ] (m - 1);

  # Days from 1970-01-01 to y-m-d (Howard Hinnant's days_from_civil, for y >= 0).
  daysFromCivil =
    y: m: d:
    let
      y' = if m <= 2 then y - 1 else y;
      era = (if y' >= 0 then y' else y' - 399) / 400;
      yoe = y' - era * 400;
      doy = (153 * (if m > 2 then m - 3 else m + 9) + 2) / 5 + d - 1;
      doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    in
    era * 146097 + doe - 719468;

  # Seconds since the epoch of an RFC 3339 time, or null when it is not one (a
  # 61st second, as in a leap second, counts as the next minute's first).
  epochSeconds =
    v:
    let
      m = match "([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\\.[0-9]+)?(Z|([+-])([0-9]{2}):([0-9]{2}))" v;
      n = i: toInt (builtins.elemAt m i);
      year = n 0;
      month = n 1;
      day = n 2;
      offset = if builtins.elemAt m 7 == "Z" then 0 else (if builtins.elemAt m 8 == "-" then -1 else 1) * (n 9 * 3600 + n 10 * 60);
      valid =
        year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn year month
        && n 3 < 24 && n 4 < 60 && n 5 <= 60
        && (builtins.elemAt m 7 == "Z" || (n 9 < 24 && n 10 < 60));
    in
    if !(isString v) || m == null || !valid then
      null
    else
      daysFromCivil year month day * 86400 + n 3 * 3600 + n 4 * 60 + n 5 - offset;

  badTime =
    v:
    problem "must be an RFC 3339 time or \"now\"" "Use a real date and time (month 1 to 12, a day of that month, hour < 24, minute < 60, second <= 60), for example \"1970-01-01T00:00:01Z\" (the default) or \"2024-05-01T12:00:00+02:00\"";

  timestamp = v: if isString v && (v == "now" || epochSeconds v != null) then null else badTime v;
in
{
  inherit isStorePathLike firstOutsideStore epochSeconds;

  string = v: if isString v then null else problem "must be a string" "Pass a string, e.g. \"\"";

  bool = v: if isBool v then null else problem "must be true or false" "Pass a boolean";

  attrs = v: if isAttrs v && !(v ? outPath) then null else problem "must be an attribute set" "Pass { ... }";

  nullOr = check: v: if v == null then null else check v;

  # uid/gid
  id =
    v:
    if isInt v && idOk v then
      null
    else
      problem "must be an integer from 0 to ${toString idMax}" "For example 0 (root) or 1000; larger values wrap around in Docker and podman (4294967296 and 4294967295 become root)";

  maxLayers =
    v:
    if isInt v && v > 1 then
      null
    else
      problem "must be an integer greater than 1" "Use 2 or more (default 100): one layer is always taken by the customisation layer";

  inherit timestamp;

  # A time that a tar header's mtime field can hold (the layers' file times).
  fileTime =
    v:
    if timestamp v != null then
      timestamp v
    else if v == "now" || (epochSeconds v >= 0 && epochSeconds v <= tarTimeMax) then
      null
    else
      problem "must lie between 1970-01-01T00:00:00Z and 2242-03-16T12:56:31Z, the times a tar header holds" "For example \"1970-01-01T00:00:01Z\" (the default)";

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
        && (!(r ? uid) || isInt r.uid)
        && (!(r ? gid) || isInt r.gid)
        && (!(r ? mode) || (isString r.mode && match "[0-7]?[0-7]{3}" r.mode != null))
        && (!(r ? recursive) || isBool r.recursive);
      badIds = filter (r: isAttrs r && ((isInt (r.uid or 0) && !(idOk (r.uid or 0))) || (isInt (r.gid or 0) && !(idOk (r.gid or 0))))) (if isList v then v else [ ]);
    in
    if badIds != [ ] then
      problem "has an owner outside 0 to ${toString idMax} (in ${show (head badIds)})" "Use ids from 0 to ${toString idMax}; larger values wrap around in Docker and podman (4294967296 and 4294967295 become root)"
    else if isList v && all ruleOk v then
      null
    else
      problem "must be a list of rules { path (absolute); uid?; gid?; mode? (octal string); recursive?; }" "For example perms = [ { path = \"/home/alice\"; uid = 1000; gid = 1000; mode = \"0750\"; } ]";
}
