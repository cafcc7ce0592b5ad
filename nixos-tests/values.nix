# For the images of `wanted` (keys such as `examples.bash`, or a test image such as
# `chownTestImage`):
#  - `images`: the images, in the order of `wanted` (a list: nix-build builds it);
#  - `values`: what the steps of docker_tools_cases.py name as `${...}`, as one
#    flat attribute set: `<key>` is an image's store path, `<key>.imageName` and
#    `<key>.imageTag` its name and tag (null for mergeImages and exportImage);
#    and the package paths the steps use.
# Strings keep their context: a NixOS test that writes these values depends on
# every wanted image.
{
  pkgs,
  examples,
  testImages,
  wanted,
}:
let
  inherit (builtins)
    baseNameOf
    concatMap
    filter
    foldl'
    isString
    listToAttrs
    map
    split
    storeDir
    ;
  root = testImages // {
    inherit examples;
  };
  lookup = key: foldl' (set: part: set.${part}) root (filter isString (split "\\." key));
  entry = name: value: { inherit name value; };
  imageValues =
    key:
    let
      image = lookup key;
    in
    [
      (entry key "${image}")
      (entry "${key}.imageName" (image.imageName or null))
      (entry "${key}.imageTag" (image.imageTag or null))
    ];
  packageValues = {
    "pkgs.bash" = "${pkgs.bash}";
    "pkgs.coreutils" = "${pkgs.coreutils}";
    "pkgs.nix" = "${pkgs.nix}";
    "pkgs.pkgsStatic.busybox.baseName" = baseNameOf "${pkgs.pkgsStatic.busybox}";
    "builtins.storeDir" = storeDir;
    "examples.layeredStoreSymlink.passthru.symlink" = "${examples.layeredStoreSymlink.passthru.symlink}";
  };
in
{
  images = map lookup wanted;
  values = listToAttrs (concatMap imageValues wanted) // packageValues;
}
