# The Python sources of one program: its module and every module it imports,
# found by reading their `from stowage… import …` and `import stowage…` lines,
# plus the packages' __init__.py files. A build step's builder is only that
# subset of python/, so a derivation's hash changes only when code it runs
# changes: a fix to the registry client leaves every layer's derivation as it is.
# Only the first line of an import is read: a module imported on a continuation
# line of a parenthesised import is missed (tests/eval/test_python_source.py runs
# every program from its part, and fails then).
let
  inherit (builtins)
    attrNames
    concatLists
    elemAt
    filter
    genericClosure
    head
    isString
    listToAttrs
    match
    pathExists
    readFile
    replaceStrings
    split
    stringLength
    substring
    ;

  root = ../python;
  rootText = toString root;

  # "stowage.cli.stream" -> "stowage/cli/stream.py" (or its package's __init__.py), or null.
  fileOf =
    module:
    let
      base = replaceStrings [ "." ] [ "/" ] module;
    in
    if pathExists (root + "/${base}.py") then
      "${base}.py"
    else if pathExists (root + "/${base}/__init__.py") then
      "${base}/__init__.py"
    else
      null;

  lines = file: filter isString (split "\n" (readFile (root + "/${file}")));

  # The modules one line imports: "from X import a as b, c" names X, X.a and X.c
  # (those that are modules); "import X" names X.
  importedBy =
    line:
    let
      from = match "[ ]*from (stowage[A-Za-z0-9_.]*) import (.*)" line;
      plain = match "[ ]*import (stowage[A-Za-z0-9_.]*).*" line;
      names = filter isString (split "," (elemAt from 1));
      member = n: let m = match "[ (]*([A-Za-z0-9_]+).*" n; in if m == null then [ ] else [ "${head from}.${head m}" ];
    in
    if from != null then
      [ (head from) ] ++ filter (m: fileOf m != null) (concatLists (map member names))
    else if plain != null then
      plain
    else
      [ ];

  # The package a module lives in ("stowage.cli" for "stowage.cli.stream"), or null.
  parentOf =
    module:
    let
      m = match "(.*)\\.[^.]*" module;
    in
    if m == null then null else head m;

  dependencies =
    module:
    let
      file = fileOf module;
      parent = parentOf module;
    in
    (if parent == null then [ ] else [ parent ])
    ++ (if file == null then [ ] else concatLists (map importedBy (lines file)));

  # The files of `modules` and of everything they import, as an attribute set.
  filesOf =
    modules:
    let
      found = genericClosure {
        startSet = map (key: { inherit key; }) modules;
        operator = item: map (key: { inherit key; }) (dependencies item.key);
      };
      files = filter (f: f != null) (map (item: fileOf item.key) found);
    in
    listToAttrs (map (name: { inherit name; value = true; }) files);

  # The directories above each file ("stowage/cli/x.py" -> "stowage", "stowage/cli").
  directoriesOf =
    files:
    let
      above =
        file:
        let
          m = match "(.*)/[^/]*" file;
        in
        if m == null then [ ] else [ (head m) ] ++ above (head m);
    in
    listToAttrs (map (name: { inherit name; value = true; }) (concatLists (map above (attrNames files))));

  subset =
    name: keep:
    let
      dirs = directoriesOf keep;
    in
    builtins.path {
      path = root;
      inherit name;
      filter =
        path: type:
        let
          rel = substring (stringLength rootText + 1) (stringLength path) path;
        in
        if type == "directory" then dirs ? ${rel} else keep ? ${rel};
    };
in
{
  # python/ as bin/<command> needs it: the entry point and the modules it imports.
  forCommand =
    command:
    let
      entry = "bin/${command}";
    in
    subset "stowage-python" (filesOf (concatLists (map importedBy (lines entry))) // { ${entry} = true; });

  # python/ as a launcher of `module` needs it (see cli/write_launcher.py).
  forModule = module: subset "stowage-python" (filesOf [ module ]);
}
