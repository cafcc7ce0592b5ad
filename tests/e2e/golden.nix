# Tiny images whose exact bytes tests/golden.json records (tests/e2e/test_golden.py).
#
# Every input is byte-stable across machines: the packages are written by /bin/sh
# from literal text (no compiled binary, no copy of a host file, whose bytes differ
# between Debian releases), and nothing the library's own Python source makes ends
# up inside an image: every image has a fixed tag (the default tag is the hash of
# the image plan's store path, which depends on that source) and the default fixed
# created and mtime. No helper package (fakeNss, binSh: made by library code) and
# no NixDB image (its database registers the config file's store path, made by
# library code) is used for that reason.
{
  stowage ? import ../.. { },
}:
let
  system = builtins.currentSystem;

  # A package whose files are literal text and mention its dependencies (so Nix
  # records references), written by /bin/sh.
  pkg =
    name: deps:
    builtins.derivation {
      inherit name system;
      builder = "/bin/sh";
      PATH = "/usr/bin:/bin";
      args = [
        "-ec"
        ''
          mkdir -p $out/share $out/bin
          echo "${name}" > $out/share/${name}
          for d in ${toString deps}; do echo "$d" >> $out/share/${name}; done
          printf '#!/bin/sh\necho ${name}\n' > $out/bin/${name}
          chmod 0555 $out/bin/${name}
          ln -s ../share/${name} $out/bin/${name}-data
        ''
      ];
    };

  libA = pkg "golden-lib-a" [ ];
  libB = pkg "golden-lib-b" [ libA ];
  app = pkg "golden-app" [ libA libB ];
  note = builtins.toFile "golden-note.txt" "a file written by builtins.toFile\n";
  # A directory holding it, for copyToRoot (which copies directories only).
  etcNote = builtins.derivation {
    name = "golden-etc-note";
    inherit system;
    builder = "/bin/sh";
    PATH = "/usr/bin:/bin";
    args = [ "-ec" "mkdir -p $out/etc; cat ${note} > $out/etc/golden-note" ];
  };

  layeredArgs = {
    name = "golden/layered";
    contents = [ app ];
    config = {
      Cmd = [ "/bin/golden-app" ];
      Env = [ "NOTE=${note}" ];
      Labels."org.example.golden" = "yes";
    };
    extraCommands = "mkdir -p tmp etc; echo made-by-extraCommands > etc/marker";
  };

  layeredNone = stowage.buildLayeredImage (layeredArgs // { tag = "none"; compressor = "none"; });
  layeredGz = stowage.buildLayeredImage (layeredArgs // { tag = "gz"; compressor = "gz"; });

  buildImage = stowage.buildImage {
    name = "golden/build-image";
    tag = "1";
    compressor = "none";
    copyToRoot = [ app etcNote ];
    config.Cmd = [ "/bin/golden-app" ];
    extraCommands = "mkdir -p srv";
  };
in
{
  inherit layeredNone layeredGz buildImage;

  stream = stowage.streamLayeredImage (layeredArgs // { tag = "stream"; });

  # The same images with recorded layers (cachedLayers): the same bytes as
  # layeredNone and stream, written by the paths that trust the records.
  layeredCached = stowage.buildLayeredImage (layeredArgs // { tag = "none"; compressor = "none"; cachedLayers = true; });
  streamCached = stowage.streamLayeredImage (layeredArgs // { tag = "stream"; cachedLayers = true; });

  # A fromImage chain: buildImage on buildLayeredImage, then buildLayeredImage on that.
  chainBuildImage = stowage.buildImage {
    name = "golden/chain";
    tag = "1";
    compressor = "none";
    fromImage = layeredGz;
    copyToRoot = [ libB ];
    config.Env = [ "CHAIN=1" ];
    extraCommands = "mkdir -p tmp; echo one > tmp/layer";
  };
  chainLayered = stowage.buildLayeredImage {
    name = "golden/chain";
    tag = "2";
    compressor = "none";
    fromImage = buildImage;
    contents = [ libA ];
    config.Env = [ "CHAIN=2" ];
  };

  merged = stowage.mergeImages [ layeredNone buildImage ];
  exported = stowage.exportImage { fromImage = layeredGz; };
  ociLayout = stowage.toOCILayout layeredNone;
  ociArchive = stowage.toOCIArchive buildImage;
}
