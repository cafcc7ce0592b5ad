# Runs the shared vectors through the library's checks; tests/eval/test_eval.py
# compares the result with tests/vectors.json.
let
  inherit (builtins) fromJSON readFile tryEval deepSeq listToAttrs map attrNames;
  vectors = fromJSON (readFile ../vectors.json);
  errors = import ../../nix/errors.nix;
  reference = import ../../nix/reference.nix { inherit errors; };
  platform = import ../../nix/platform.nix { inherit errors; };
  accepts = check: value: check value == null;
  resolve = system: let r = tryEval (deepSeq (platform.forSystem "test" system) (platform.forSystem "test" system)); in if r.success then [ r.value.architecture r.value.variant ] else null;
in
{
  names = map (accepts reference.checkName) (vectors.names.valid ++ vectors.names.invalid);
  tags = map (accepts reference.checkTag) (vectors.tags.valid ++ vectors.tags.invalid);
  systems = listToAttrs (map (s: { name = s; value = resolve s; }) (attrNames vectors.systems ++ vectors.refusedSystems));
}
