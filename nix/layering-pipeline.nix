# layeringPipeline: nixpkgs' pipeline language (python/stowage/layers/pipeline.py runs it).
# Here it is read (a list, or a path to a JSON file of one) and checked: each
# element is [ "<operation>" arguments... ], nested elements too.
{ errors, validate }:
let
  inherit (builtins)
    all
    attrNames
    isAttrs
    concatStringsSep
    elem
    elemAt
    filter
    head
    isInt
    isList
    isPath
    isString
    length
    fromJSON
    readFile
    ;

  known = [
    "flatten" "limit_layers" "map" "over" "pipe" "popularity_contest"
    "remove_paths" "reverse" "split_every" "split_paths" "subcomponent_in" "subcomponent_out"
  ];

  isPaths = v: isList v && all validate.isStorePathLike v;
  # split_paths' items: a package, or { children_of = a package or a list of them; }.
  isSplit =
    v:
    validate.isStorePathLike v
    || (isAttrs v && attrNames v == [ "children_of" ] && (validate.isStorePathLike v.children_of || isPaths v.children_of));
  first = list: if list == [ ] then null else head list;

  # null, or why `el` is wrong.
  wrong =
    el:
    let
      n = length el;
      arg = elemAt el 1;
      takes = count: what: if n == count + 1 then null else "takes ${what}";
      count = op: if n == 2 && isInt arg && arg >= 1 then null else "takes one positive integer (${op} 3)";
    in
    if !(isList el) || el == [ ] || !(isString (head el)) || !(elem (head el) known) then
      "names no known operation"
    else
      {
        flatten = takes 0 "no argument";
        popularity_contest = takes 0 "no argument";
        reverse = takes 0 "no argument";
        limit_layers = count "limit_layers";
        split_every = count "split_every";
        subcomponent_in = if n == 2 && isPaths arg then null else "takes one list of packages";
        subcomponent_out = if n == 2 && isPaths arg then null else "takes one list of packages";
        split_paths =
          if n == 2 && isList arg && all isSplit arg then null else "takes one list of packages or { children_of = pkg; } sets";
        remove_paths =
          if n == 2 && (isPaths arg || validate.isStorePathLike arg) then null else "takes one package or a list of them";
        map = if n == 2 then null else "takes one element";
        pipe = if n == 2 && isList arg then null else "takes one list of elements";
        over = if n == 3 && isString arg then null else "takes a key (\"main\" or \"rest\") and an element";
      }.${head el};

  # The first bad element, innermost first, or null.
  badIn =
    el:
    let
      here = wrong el;
      inner =
        if here != null then
          [ ]
        else if head el == "map" then
          [ (elemAt el 1) ]
        else if head el == "over" then
          [ (elemAt el 2) ]
        else if head el == "pipe" then
          elemAt el 1
        else
          [ ];
      below = first (filter (b: b != null) (map badIn inner));
    in
    if here != null then { element = el; why = here; } else below;

  # The pipeline as a list (a path is read as JSON).
  read = v: if isPath v then fromJSON (readFile v) else v;
in
{
  inherit known read;

  check =
    v:
    let
      p = read v;
      bad = if isList p then first (filter (b: b != null) (map badIn p)) else null;
      fix = "Each element is [ \"<operation>\" arguments... ], the operation one of ${concatStringsSep ", " known}; for example layeringPipeline = [ [ \"popularity_contest\" ] [ \"limit_layers\" 100 ] ]";
    in
    if v == null then
      null
    else if !(isList p) then
      errors.problem "must be a list of pipeline elements (or a path to a JSON file of one)" fix
    else if bad != null then
      errors.problem "has the element ${errors.show bad.element}, which ${bad.why}" fix
    else
      null;
}
