# Argument parsing for the public builders: defaults, unknown and missing
# arguments, and a check per argument. The parsed set is returned only when
# every check passes, so anything built from it forces every check (nothing
# is left to fire later, or never, through laziness).
{ errors }:
let
  inherit (builtins)
    attrNames
    concatStringsSep
    filter
    head
    isAttrs
    mapAttrs
    ;
in
{
  # spec: { <argument> = { required = true; } or { default = <value>; }, plus check }
  # where check = value: null or errors.problem "..." "...".
  parse =
    who: spec: args:
    let
      known = concatStringsSep ", " (attrNames spec);
      unknown = filter (n: !(spec ? ${n})) (attrNames args);
      missing = filter (n: (spec.${n}.required or false) && !(args ? ${n})) (attrNames spec);
      values = mapAttrs (n: s: if args ? ${n} then args.${n} else s.default) spec;
      verdicts = map (
        n:
        let
          # checkWith: a check that depends on the other arguments' values.
          check = if spec.${n} ? checkWith then spec.${n}.checkWith values else spec.${n}.check or (_: null);
          verdict = check values.${n};
        in
        if verdict == null then null else errors.describe who n values.${n} verdict
      ) (attrNames spec);
      problems = filter (p: p != null) verdicts;
    in
    if !(isAttrs args) then
      errors.fail who "expects an attribute set of arguments; got ${errors.show args}. Call it as ${who} { name = \"hello\"; ... }."
    else if unknown != [ ] then
      errors.fail who "unknown argument ${head unknown}; got ${errors.show args.${head unknown}}. ${who} takes: ${known}."
    else if missing != [ ] then
      errors.fail who "argument ${head missing} is required; got nothing. Pass it, e.g. ${who} { ${head missing} = ...; }."
    else if problems != [ ] then
      throw (head problems)
    else
      values;
}
