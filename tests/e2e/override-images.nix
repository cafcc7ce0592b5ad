# Images made by override and overrideAttrs, as nixpkgs users write them.
{
  mode ? import ./mode.nix { },
  stowage ? mode.stowage,
  packages ? mode.packages,
}:
let
  inherit (packages) hello busybox;

  # nixpkgs' docker-tools test: an image on itself (two identical layers).
  layer = stowage.buildImage {
    name = "ov-empty";
    copyToRoot = busybox;
    config.Cmd = [ "/bin/echo" "on itself" ];
  };

  layered = stowage.buildLayeredImage {
    name = "ov-layered";
    tag = "1";
    contents = [ busybox ];
    config.Cmd = [ "/bin/echo" "one" ];
  };

  stream = stowage.streamLayeredImage {
    name = "ov-stream";
    tag = "1";
    contents = [ busybox ];
    config.Cmd = [ "/bin/echo" "stream" ];
  };
in
{
  repeated = layer.overrideAttrs (_: { fromImage = layer; });

  # override keeps overrideAttrs' changes: tag and config from two steps.
  layeredTwo = (layered.overrideAttrs (old: { config = old.config // { Cmd = [ "/bin/echo" "two" ]; }; })).override {
    tag = "2";
  };

  # The stream's script and conf, as nixpkgs' `streamScript conf`.
  inherit (stream) streamScript conf;
  streamOnLayered = stream.override {
    fromImage = layered;
    contents = [ hello ];
    tag = "on-layered";
  };

  # buildLayeredImage's passthru.stream: the same image, streamed.
  inherit layered;
  layeredStream = layered.stream;

  debugged = layered.override {
    debug = true;
    contents = [ busybox hello ];
    tag = "debug";
  };
}
