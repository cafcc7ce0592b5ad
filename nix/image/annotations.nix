# OCI annotations (image-spec annotations.md): the `annotations` argument of every
# builder, checked at evaluation time, and the set an image's manifest carries:
# `org.opencontainers.image.created` from `created`, then the user's own (which may
# set org.opencontainers.image.source, .revision, .version, or override created).
# Labels stay what the user sets in config.Labels.
{ errors }:
let
  inherit (builtins) all attrNames attrValues isAttrs isString;

  check =
    v:
    if isAttrs v && !(v ? outPath) && all isString (attrValues v) && all (n: n != "") (attrNames v) then
      null
    else
      errors.problem "must be an attribute set of strings" "For example annotations = { \"org.opencontainers.image.source\" = \"https://example.org/app\"; \"org.opencontainers.image.revision\" = self.rev or \"dirty\"; }";
in
{
  # The argument, as the builders' specs take it.
  spec = {
    default = { };
    inherit check;
  };

  # The annotations of an image created at `created` (no time for "now").
  forImage =
    created: user:
    (if created == "now" then { } else { "org.opencontainers.image.created" = created; }) // user;
}
