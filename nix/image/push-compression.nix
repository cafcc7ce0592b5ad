# pushCompression: how copyToRegistry compresses an image's layers, as the image
# says. { format = "gzip" | "zstd"; level; keepBlobs; }, every key optional:
#  - format "gzip" (default; layers application/vnd.oci.image.layer.v1.tar+gzip,
#    which every engine and registry reads) or "zstd" (…tar+zstd: smaller and
#    much faster to make; Docker 23+, podman 4+, containerd 1.5+ read it);
#  - level: gzip 1-9 (default 1: blobs about the size of those skopeo and Docker
#    push, made about three times as fast as at level 6, which makes them about
#    9 % smaller on compressible layers), zstd 1-19 (default 3, zstd's own);
#  - keepBlobs: true keeps each compressed layer in the store, in the derivation
#    that records it, so that a push sends it as it is instead of compressing it
#    again (costs its compressed size in the store).
{ errors }:
let
  inherit (builtins)
    attrNames
    filter
    isAttrs
    isBool
    isInt
    isString
    ;

  levels = {
    gzip = {
      max = 9;
      default = 1;
    };
    zstd = {
      max = 19;
      default = 3;
    };
  };
  keys = [
    "format"
    "level"
    "keepBlobs"
  ];
  example = "For example pushCompression = { format = \"zstd\"; level = 3; keepBlobs = false; }";

  # The full setting of a (checked) value.
  normalise =
    v:
    let
      format = v.format or "gzip";
    in
    {
      inherit format;
      level = v.level or levels.${format}.default;
      keepBlobs = v.keepBlobs or false;
    };

  check =
    v:
    let
      unknown = filter (k: !(builtins.elem k keys)) (attrNames v);
      c = normalise v;
    in
    if !(isAttrs v) then
      errors.problem "must be an attribute set" example
    else if unknown != [ ] then
      errors.problem "has no key ${builtins.head unknown} (its keys: format, level, keepBlobs)" example
    else if !(isString c.format && levels ? ${c.format}) then
      errors.problem "format must be \"gzip\" or \"zstd\"" example
    else if !(isInt c.level) || c.level < 1 || c.level > levels.${c.format}.max then
      errors.problem "level must be an integer from 1 to ${toString levels.${c.format}.max} for ${c.format}" example
    else if !(isBool c.keepBlobs) then
      errors.problem "keepBlobs must be true or false" example
    else
      null;
in
{
  inherit normalise;
  spec = {
    default = { };
    inherit check;
  };
}
