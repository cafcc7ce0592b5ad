# The compressors of an image archive file (buildImage's and buildLayeredImage's
# `compressor`), one row each. python/stowage/output/compression.py is the other
# half (how each row's bytes are written); tests/unit/test_compression.py checks
# that the two agree. A new compressor is a row here and one there.
#   extension: of the archive's file name; mediaType: of a layer compressed so;
#   program: what compresses (null: the Python standard library); level.
{ errors, tools }:
let
  inherit (builtins)
    concatStringsSep
    elem
    elemAt
    filter
    genList
    isString
    length
    listToAttrs
    map
    toJSON
    ;

  rows = [
    {
      name = "none";
      extension = "";
      mediaType = "application/vnd.oci.image.layer.v1.tar";
      program = null;
      level = null;
    }
    {
      name = "gz";
      extension = ".gz";
      mediaType = "application/vnd.oci.image.layer.v1.tar+gzip";
      program = null;
      # pigz's and gzip's default level: the usual balance of size and time.
      level = 6;
    }
    {
      name = "zstd";
      extension = ".zst";
      mediaType = "application/vnd.oci.image.layer.v1.tar+zstd";
      program = tools.zstd;
      level = 3;
    }
  ];

  default = "gz";
  names = map (row: row.name) rows;
  reversed = list: genList (i: elemAt list (length list - 1 - i)) (length list);
  others = filter (n: n != default) (reversed names);
  quoted = map toJSON;
  alternatives =
    list:
    if length list < 2 then
      concatStringsSep "" list
    else
      concatStringsSep ", " (genList (elemAt list) (length list - 1)) + " or " + elemAt list (length list - 1);
in
{
  inherit rows names;

  # The programs of the rows that have one, by name: what a build step that reads
  # archives needs to read those compressed so (a request's `compressors`).
  programs = listToAttrs (map (row: { inherit (row) name; value = row.program; }) (filter (row: row.program != null) rows));

  # name -> row
  byName = listToAttrs (map (row: { inherit (row) name; value = row; }) rows);

  # The `compressor` argument's spec (see args.nix).
  argument = {
    inherit default;
    check =
      v:
      if isString v && elem v names then
        null
      else
        errors.problem "must be one of ${concatStringsSep ", " (quoted names)}" "Use compressor = ${toJSON default} (the default), ${alternatives (quoted others)}";
  };
}
