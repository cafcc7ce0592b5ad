# mergeImages: several image archives as one multi-image docker-archive.
# Its override takes the new list, or a function of the old one.
{
  validate,
  errors,
  step,
  compressors,
  override,
}:
let
  inherit (builtins) all isFunction isList;
  who = "mergeImages";

  mergeImagesOf =
    images:
    if !(isList images) || images == [ ] || !(all validate.isStorePathLike images) then
      errors.fail who "expects a non-empty list of images (derivations or paths); got ${errors.show images}. For example mergeImages [ imageA imageB ]."
    else
      step.run {
        inherit who;
        name = "merged-images.tar";
        command = "merge-images";
        request = {
          version = 3;
          images = map (i: "${i}") images;
          compressors = compressors.programs;
        };
      };
in
images:
override.overridable {
  inherit who;
  names = [ "images" ];
  merge = old: new: { images = if isFunction new then new old.images else new; };
} (a: mergeImagesOf a.images) { inherit images; }
