# A synthetic closure and its streamLayeredImage, for bench/stream.py.
#
#   nix-build bench/closure.nix --argstr mix default --arg sizeMb 500 -A conf
#
# `paths` store paths, each built by make_store_path.py from a seed (no file
# content passes through evaluation), linked into a DAG: path i refers to
# path (i - 1) / 2 and, from i = 3 on, to (5 i + 3) mod i. A root path refers
# to all of them; the image's contents is that root.
{
  stowage ? import ../. { },
  mix ? "default",
  sizeMb ? 500,
  files ? 100000,
  paths ? 40,
  maxLayers ? 100,
  seed ? 1,
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

  parents =
    i:
    let
      tree = if i == 0 then [ ] else [ ((i - 1) / 2) ];
      cross = i * 5 + 3 - (i * 5 + 3) / i * i;
    in
    tree ++ (if i >= 3 && cross != (i - 1) / 2 then [ cross ] else [ ]);

  node =
    i:
    derivation {
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
    };

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

  image = stowage.streamLayeredImage {
    name = "bench-${mix}";
    contents = [ root ];
    inherit maxLayers;
  };
in
{
  inherit image root;
  inherit (image) conf;
}
