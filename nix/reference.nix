# Image names and tags: the grammar of Docker references (distribution/reference).
#   name      = [domain "/"] component ("/" component)*, at most 255 characters
#   domain    = host (":" port)?   host = dns-label ("." dns-label)*
#   component = [a-z0-9]+ (([_.]|__|[-]+) [a-z0-9]+)*
#   tag       = [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
# builtins.match is POSIX ERE: no \d, no lazy quantifiers.
{ errors }:
let
  inherit (builtins) isString match stringLength;

  label = "[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?";
  domain = "${label}(\\.${label})*(:[0-9]+)?";
  component = "[a-z0-9]+(([_.]|__|-+)[a-z0-9]+)*";
  namePattern = "(${domain}/)?${component}(/${component})*";
  tagPattern = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
in
{
  checkName =
    value:
    if isString value && stringLength value <= 255 && match namePattern value != null then
      null
    else
      errors.problem "must be a Docker image name: lowercase letters, digits and separators (. _ __ -) in /-separated components, optionally after a registry host[:port]/, at most 255 characters" "For example name = \"hello\" or name = \"registry.example.com:5000/team/hello\"";

  checkTag =
    value:
    if value == null || (isString value && match tagPattern value != null) then
      null
    else
      errors.problem "must be null (a tag derived from the image's inputs) or a Docker tag: up to 128 letters, digits, _ . and -, not starting with . or -" "For example tag = \"latest\" or tag = \"1.2.3\"";
}
