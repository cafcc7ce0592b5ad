# The images nixpkgs' nixos/tests/docker-tools.nix defines itself, beside the
# examples: a base whose manifest lists one layer file twice, an image whose
# fakeRootCommands chown a file, and one whose store layers have a non-root owner.
{
  pkgs,
  dockerTools,
}:
let
  # nixpkgs issue 214434: `docker save` can write a manifest whose Layers name
  # one tarball twice (two empty layers, one file).
  empty = dockerTools.buildImage { name = "empty"; };
  emptyOnEmpty = empty.overrideAttrs (_: {
    fromImage = empty;
  });
  repeatedRootfsDiffs =
    pkgs.runCommand "image-with-links.tar" { nativeBuildInputs = [ pkgs.python3 ]; }
      ''
        python3 ${./repeat-layer.py} ${emptyOnEmpty} $out
      '';
in
{
  repeatedLayerTestImage = dockerTools.buildImage {
    name = "repeated-layer-test";
    tag = "latest";
    fromImage = repeatedRootfsDiffs;
    copyToRoot = pkgs.bash;
    # runAsRoot makes the builder unpack the layers below
    runAsRoot = ''
      echo 'runAsRoot has run.'
    '';
  };

  chownTestImage = dockerTools.streamLayeredImage {
    name = "chown-test";
    tag = "latest";
    enableFakechroot = true;
    fakeRootCommands = ''
      touch /testfile
      chown 12345:12345 /testfile
    '';
    config.Cmd = [
      "${pkgs.coreutils}/bin/stat"
      "-c"
      "%u:%g"
      "/testfile"
    ];
  };

  nonRootTestImage = dockerTools.streamLayeredImage {
    name = "non-root-test";
    tag = "latest";
    uid = 1000;
    gid = 1000;
    uname = "user";
    gname = "user";
    config = {
      User = "user";
      Cmd = [
        "${pkgs.coreutils}/bin/stat"
        "-c"
        "%u:%g"
        "${pkgs.coreutils}/bin/stat"
      ];
    };
  };
}
