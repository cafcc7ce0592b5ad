# toOCILayout and toOCIArchive: any docker-archive (a derivation of this library,
# dockerTools, pullImage, or a path) as an OCI image layout directory, and as an
# oci-archive tarball of that layout.
{
  validate,
  errors,
  step,
  tools,
}:
let
  inherit (builtins) baseNameOf head match;

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

  # The layout of a checked image, for the public builder `who`.
  layoutOf =
    who: valid:
    step.run {
      inherit who;
      name = "${stem valid}-oci";
      command = "oci-layout";
      request = {
        version = 2;
        image = "${valid}";
        inherit (tools) zstd;
      };
    };

  toOCIArchive =
    image:
    let
      valid = checked "toOCIArchive" image;
    in
    step.run {
      who = "toOCIArchive";
      name = "${stem valid}-oci.tar";
      command = "oci-archive";
      request = {
        version = 2;
        layout = "${layoutOf "toOCIArchive" valid}";
      };
    };
  toOCILayout = image: layoutOf "toOCILayout" (checked "toOCILayout" image);
in
{
  inherit toOCILayout toOCIArchive;
}
