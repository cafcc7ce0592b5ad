# The only place that throws or warns. Messages read
# "<function>: <argument> <problem>; got <value>. <fix>."
let
  inherit (builtins)
    attrNames
    concatStringsSep
    isAttrs
    isFunction
    isList
    isPath
    isString
    length
    toJSON
    trace
    ;

  show =
    value:
    if isFunction value then
      "a function"
    else if isPath value then
      toString value
    else if isAttrs value then
      if value ? outPath then
        "the derivation ${value.name or "(unnamed)"}"
      else if length (attrNames value) > 8 then
        "an attribute set with ${toString (length (attrNames value))} attributes"
      else
        "{ " + concatStringsSep " " (map (n: "${n} = ${show value.${n}};") (attrNames value)) + " }"
    else if isList value then
      "[ " + concatStringsSep " " (map show value) + " ]"
    else if value == null then
      "null"
    else if value == true then
      "true"
    else if value == false then
      "false"
    else if isString value then
      toJSON value
    else
      toString value;
in
{
  inherit show;

  # fail "streamLayeredImage" "the message" -> throws "streamLayeredImage: the message"
  fail = who: message: throw "${who}: ${message}";

  # Nix 2.8 has no builtins.warn.
  warn = who: message: value: trace "warning: ${who}: ${message}" value;

  # A check's verdict: null when the value is fine.
  problem = problem: fix: { inherit problem fix; };

  describe =
    who: argument: value: verdict:
    "${who}: ${argument} ${verdict.problem}; got ${show value}. ${verdict.fix}.";
}
