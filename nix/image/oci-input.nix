# The image toOCILayout and toOCIArchive take: any docker-archive (a derivation
# of this library, dockerTools, pullImage, or a path), and the stem of its name.
{ validate, errors }:
let
  inherit (builtins) baseNameOf head match;
in
{
  # "x.tar.gz" -> "x"; a store path's hash prefix is dropped.
  stem =
    image:
    let
      base = image.name or (baseNameOf (toString image));
      unhashed = match "[0-9a-z]{32}-(.*)" base;
      name = if unhashed == null then base else head unhashed;
      m = match "(.*)\\.tar(\\.gz|\\.zst)?" name;
    in
    if m == null then name else head m;

  checked =
    who: image:
    if !(validate.isStorePathLike image) then
      errors.fail who "image must be a docker-archive (a derivation or a path); got ${errors.show image}. For example ${who} (buildLayeredImage { name = \"app\"; })"
    else if image.isExe or false then
      errors.fail who "image must be a docker-archive, not an image stream; got ${errors.show image}. Use buildLayeredImage with the same arguments instead of streamLayeredImage"
    else
      image;
}
