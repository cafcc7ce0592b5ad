# A synthetic closure and its image, for bench/stream.py and bench/rebuild.py.
#
#   nix-build bench/closure.nix --argstr mix default --arg sizeMb 500 -A conf
#   nix-build bench/closure.nix --arg app 2 --argstr builder layered -A image
#
# `paths` store paths, each built by make_store_path.py from a seed (no file
# content passes through evaluation), linked into a DAG: path i refers to
# path (i - 1) / 2 and, from i = 3 on, to (5 i + 3) mod i. A root path refers
# to all of them; the image's contents is that root, plus, when `app` is set
# (an integer, the application's version), an `appMb` "application" path that
# refers to the root: changing `app` changes only that path.
# `builder` is "stream" (streamLayeredImage) or "layered" (buildLayeredImage
# with `compressor`); `mtime` is the layers' mtime (a new one gives new layer
# derivations without new store paths); a new `tag` gives a new image
# derivation over the same layers; `cachedLayers` is the builders' argument
# (true here, as these benchmarks measure the recorded layers, unless given);
# `extraContents` joins the contents (e.g. a busybox, for an image that runs);
# `pushCompression` is the builders' argument; `data` is "random" (the default:
# bytes deflate cannot shrink) or "text" (compressible), see make_store_path.py.
{
  stowage ? import ../. { },
  mix ? "default",
  sizeMb ? 500,
  files ? 100000,
  paths ? 40,
  maxLayers ? 100,
  seed ? 1,
  app ? null,
  appMb ? 10,
  builder ? "stream",
  compressor ? "none",
  mtime ? "1970-01-01T00:00:01Z",
  tag ? null,
  cachedLayers ? true,
  extraContents ? [ ],
  pushCompression ? { },
  data ? "random",
}:
let
  inherit (builtins)
    concatStringsSep
    currentSystem
    derivation
    elemAt
    filter
    genList
    toString
    ;

  generator = ./make_store_path.py;

  # Only the compressible kind is an attribute, so that the random closures
  # keep the store paths they had before it existed.
  dataAttrs = if data == "random" then { } else { inherit data; };

  parents =
    i:
    let
      tree = if i == 0 then [ ] else [ ((i - 1) / 2) ];
      cross = i * 5 + 3 - (i * 5 + 3) / i * i;
    in
    tree ++ (if i >= 3 && cross != (i - 1) / 2 then [ cross ] else [ ]);

  node =
    i:
    derivation (
      {
        name = "bench-${mix}-${toString i}";
        system = currentSystem;
        builder = "/usr/bin/python3";
        args = [
          "-SB"
          generator
        ];
        inherit mix;
        seed = toString seed;
        index = toString i;
        bytes = toString (sizeMb * 1000000 / paths);
        files = toString (files / paths);
        deps = concatStringsSep " " (map (j: "${elemAt nodes j}") (parents i));
      }
      // dataAttrs
    );

  nodes = genList node paths;

  root = derivation {
    name = "bench-${mix}-root";
    system = currentSystem;
    builder = "/bin/sh";
    PATH = "/usr/bin:/bin";
    args = [
      "-ec"
      ''
        mkdir -p $out/bin
        printf '%s\n' ${concatStringsSep " " (map (n: "${n}") nodes)} > $out/bin/closure
      ''
    ];
  };

  application = derivation (
    {
      name = "bench-app-${toString app}";
      system = currentSystem;
      builder = "/usr/bin/python3";
      args = [
        "-SB"
        generator
      ];
      mix = "default";
      seed = toString app;
      index = "1000000";
      bytes = toString (appMb * 1000000);
      files = "0";
      deps = "${root}";
    }
    // dataAttrs
  );

  contents = [ root ] ++ extraContents ++ (if app == null then [ ] else [ application ]);

  imageArgs = {
    name = "bench-${mix}${if data == "random" then "" else "-${data}"}";
    inherit contents maxLayers mtime tag cachedLayers pushCompression;
  };

  image =
    if builder == "stream" then
      stowage.streamLayeredImage imageArgs
    else
      stowage.buildLayeredImage (imageArgs // { inherit compressor; });
in
{
  inherit image root contents;
  inherit (image) conf;
  # Every output this image adds to the store beyond its contents' closure.
  added = [
    image
    image.conf
    image.layerPlan
    image.customisationLayer
    image.configFile
  ] ++ image.storeLayers;
  layerRecords = map (l: "${l}/store-layer.json") image.storeLayers;
}
