# override and overrideAttrs on every builder's result, as nixpkgs users call
# them: `image.override { tag = "x"; }` (lib.makeOverridable's) and
# `image.overrideAttrs (old: { fromImage = base; })` (mkDerivation's).
#
# A result's derivation here holds one JSON request, not the user's attributes,
# so overrideAttrs works over what nixpkgs' derivations carry that matters: the
# builder's arguments (fromImage, tag, config, ...), plus passthru and meta.
# Both kinds of override re-call the builder, so every check runs again, and
# each keeps the other's changes (as nixpkgs' makeOverridable does).
{ errors }:
let
  inherit (builtins)
    attrNames
    elem
    filter
    head
    intersectAttrs
    isAttrs
    isFunction
    listToAttrs
    removeAttrs
    ;

  # lib.toExtension's two forms: `old: { ... }` and `final: prev: { ... }`.
  extension =
    f: final: prev:
    let
      applied = f prev;
    in
    if isFunction applied then f final prev else applied;

  # The passthru and meta the override keeps itself, for builders without such arguments.
  outerNames = [
    "passthru"
    "meta"
  ];

  withOuter =
    result: outer:
    let
      passthru = (result.passthru or { }) // (outer.passthru or { });
    in
    if outer == { } then
      result
    else
      result // (outer.passthru or { }) // { inherit passthru; } // (if outer ? meta then { inherit (outer) meta; } else { });
in
{
  # overridable { who; names; } build: `build`, whose results carry override and
  # overrideAttrs. `names` are the builder's argument names; `merge old new` makes
  # the arguments of `override new` (default: old // new, or old // new old).
  overridable =
    {
      who,
      names,
      merge ? old: new: old // (if isFunction new then new old else new),
    }:
    build:
    let
      keptHere = filter (n: !(elem n names)) outerNames;
      own = listToAttrs (map (n: { name = n; value = null; }) names);

      make =
        userArgs: outer:
        let
          result = withOuter (build userArgs) outer;
          view = { passthru = { }; meta = { }; } // outer // userArgs;

          overrideAttrs =
            f:
            let
              ext = extension f;
              final = view // ext final view;
              changes = ext final view;
              kept = intersectAttrs (listToAttrs (map (n: { name = n; value = null; }) keptHere)) changes;
              rest = removeAttrs changes keptHere;
              unknown = filter (n: !(own ? ${n})) (attrNames rest);
            in
            if !(isFunction f) then
              errors.fail who "overrideAttrs expects a function such as (old: { fromImage = base; }); got ${errors.show f}. Pass a function of the old attributes."
            else if !(isAttrs changes) then
              errors.fail who "overrideAttrs' function must return an attribute set; got ${errors.show changes}. Return e.g. { tag = \"v2\"; }."
            else if unknown != [ ] then
              errors.fail who "overrideAttrs sets ${head unknown}, which is not an argument of ${who}; got ${head unknown} = ${errors.show rest.${head unknown}}. It sets ${who}'s arguments (${builtins.concatStringsSep ", " names}) and passthru and meta."
            else
              make (userArgs // rest) (outer // kept);
        in
        result
        // {
          override = new: make (merge userArgs new) outer;
          inherit overrideAttrs;
        };
    in
    userArgs: make userArgs { };
}
