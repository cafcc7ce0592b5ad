# Images the end-to-end tests build, load and run, in the mode of ./mode.nix.
{
  mode ? import ./mode.nix { },
  stowage ? mode.stowage,
  packages ? mode.packages,
}:
let
  inherit (packages) hello busybox;

  # A package whose files mention its dependencies, so Nix records references.
  pkg =
    name: deps:
    mode.script name ''
      mkdir -p $out/share
      echo "${name}" > $out/share/${name}
      for d in ${toString deps}; do echo "$d" >> $out/share/${name}; done
    '';

  libA = pkg "lib-a" [ ];
  libB = pkg "lib-b" [ libA ];
  app = pkg "app" [ libA libB ];
  # The same application, changed; and another application on the same libraries.
  appV2 = pkg "app" [ libA libB "v2" ];
  otherApp = pkg "other-app" [ libB ];

  # A store path that is itself a symlink.
  helloLink = mode.script "hello-link" "ln -s ${hello}/bin/hello $out";

  helloArgs = {
    name = "stowage-e2e/hello";
    contents = [ hello ];
    config.Cmd = [ "/bin/hello" ];
  };

  base = stowage.buildLayeredImage {
    name = "e2e-base";
    tag = "1";
    contents = [ busybox ];
    config = {
      Env = [ "FROM_BASE=yes" "SHARED=base" ];
      Cmd = [ "/bin/sh" "-c" "echo base" ];
      WorkingDir = "/srv";
      Labels.origin = "base";
    };
    extraCommands = "mkdir -p srv etc; echo base > etc/layer-owner";
  };
  helloLayered = stowage.buildLayeredImage helloArgs;
  helloZstd = stowage.buildLayeredImage (helloArgs // { tag = "zstd"; compressor = "zstd"; });
  dagArgs = {
    name = "e2e-dag";
    tag = "latest";
    compressor = "none";
    contents = [ app busybox ];
  };
  dagV2Args = dagArgs // {
    tag = "v2";
    contents = [ appV2 busybox ];
  };
  dagOtherArgs = dagArgs // {
    name = "e2e-dag-other";
    contents = [ otherApp busybox ];
  };
  dagPlain = stowage.buildLayeredImage dagArgs;
  # fromImage budget: base has 2 layers, customisation 1, so 1 layer is left.
  childBudget = stowage.buildLayeredImage {
    name = "e2e-child-budget";
    tag = "latest";
    compressor = "none";
    fromImage = base;
    contents = [ app hello ];
    maxLayers = 4;
  };
  biChain1 = stowage.buildImage {
    name = "e2e-bi-chain";
    tag = "1";
    fromImage = dagPlain;
    copyToRoot = [ busybox ];
    config.Env = [ "CHAIN=1" ];
    extraCommands = "mkdir -p tmp; echo one > tmp/layer";
  };
  # The same image, as `docker save` would hand it over: uncompressed.
  biChain2Saved = mode.script "e2e-bi-chain-2.tar" "gzip -dc ${biChain2Gz} > $out";
  biChain2Gz = stowage.buildImage {
    name = "e2e-bi-chain";
    tag = "2";
    fromImage = biChain1;
    copyToRoot = [ hello ];
    extraCommands = "mkdir -p tmp; echo two > tmp/layer";
  };
in
{
  inherit libA libB app helloLink helloLayered childBudget;
  dag = dagPlain;

  helloPlain = stowage.buildLayeredImage (helloArgs // { compressor = "none"; tag = "plain"; });
  helloStream = stowage.streamLayeredImage (helloArgs // { tag = "stream"; });

  # Non-root: store files are readable and /nix, /nix/store traversable.
  busyboxStream = stowage.streamLayeredImage {
    name = "e2e-busybox";
    tag = "latest";
    contents = [ busybox hello ];
    config.Env = [ "LINK=${helloLink}" ];
    extraCommands = ''
      mkdir -p tmp home/user
      echo made-by-extraCommands > tmp/marker
    '';
  };

  empty = stowage.buildLayeredImage {
    name = "e2e-empty";
    tag = "latest";
    compressor = "none";
  };

  dagV2 = stowage.buildLayeredImage dagV2Args;
  dagOther = stowage.buildLayeredImage dagOtherArgs;

  noStorePaths = stowage.buildLayeredImage {
    name = "e2e-no-store";
    tag = "latest";
    compressor = "none";
    contents = [ hello ];
    includeStorePaths = false;
  };

  plainPath = stowage.streamLayeredImage {
    name = "e2e-plain-path";
    tag = "latest";
    contents = [ ./files busybox ];
    created = "now";
  };

  helpers = stowage.streamLayeredImage {
    name = "e2e-helpers";
    tag = "latest";
    contents = [
      stowage.binSh
      stowage.usrBinEnv
      (stowage.fakeNss.override { extraPasswdLines = [ "alice:x:1000:1000:Alice:/home/alice:/bin/sh" ]; })
      stowage.caCertificates
    ];
    config.User = "alice";
  };

  twoLayers = stowage.buildLayeredImage {
    name = "e2e-two-layers";
    tag = "latest";
    compressor = "none";
    contents = [ app busybox hello ];
    maxLayers = 2;
  };

  inherit base;
  child = stowage.streamLayeredImage {
    name = "e2e-child";
    tag = "latest";
    fromImage = base;
    contents = [ hello ];
    config.Env = [ "SHARED=child" "FROM_CHILD=yes" ];
    extraCommands = "mkdir -p etc; echo child > etc/layer-owner";
  };

  arm64 = (mode.stowageFor { system = "aarch64-linux"; }).buildLayeredImage {
    name = "e2e-arm64";
    tag = "latest";
    compressor = "none";
    contents = [ libA ];
  };

  armv7 = (mode.stowageFor { system = "armv7l-linux"; }).streamLayeredImage {
    name = "e2e-armv7";
    tag = "latest";
  };

  nonRoot = stowage.buildLayeredImage {
    name = "e2e-nonroot";
    tag = "latest";
    contents = [ busybox hello ];
    uid = 1000;
    gid = 1000;
    uname = "user";
    gname = "user";
    config.User = "1000:1000";
    config.Cmd = [ "/bin/hello" ];
  };

  inherit helloZstd;
  biZstd = stowage.buildImage {
    name = "e2e-bi-zstd";
    tag = "latest";
    compressor = "zstd";
    copyToRoot = [ busybox ];
  };
  merged = stowage.mergeImages [ helloLayered dagPlain base ];
  mergedMixed = stowage.mergeImages [ helloZstd dagPlain base ];
  exportedChild = stowage.exportImage { fromImage = childBudget; };
  exportedPick = stowage.exportImage {
    fromImage = stowage.mergeImages [ base dagPlain ];
    fromImageName = "e2e-base";
    fromImageTag = "1";
  };

  # buildImage chains: layered -> buildImage -> buildImage -> layered.
  inherit biChain1;
  biChain2 = biChain2Gz;
  biChain3 = stowage.buildImage {
    name = "e2e-bi-chain";
    tag = "3";
    fromImage = biChain2Saved;
    compressor = "none";
    extraCommands = "mkdir -p tmp; echo three > tmp/layer";
    config.Cmd = [ "/bin/cat" "/tmp/layer" ];
  };
  layeredOnBi = stowage.streamLayeredImage {
    name = "e2e-layered-on-bi";
    tag = "latest";
    fromImage = biChain1;
    contents = [ hello ];
    config.Cmd = [ "/bin/hello" ];
  };
  # copyToRoot of a package with references: its dependencies go under
  # /nix/store, the package itself (nothing refers to it) only to the root.
  biClosure = stowage.buildImage {
    name = "e2e-bi-closure";
    tag = "latest";
    compressor = "none";
    fromImage = dagPlain;
    copyToRoot = [ app ];
  };
  biClosureAlone = stowage.buildImage {
    name = "e2e-bi-closure-alone";
    tag = "latest";
    compressor = "none";
    copyToRoot = [ app ];
  };
  biPick = stowage.buildImage {
    name = "e2e-bi-pick";
    tag = "latest";
    compressor = "none";
    fromImage = stowage.mergeImages [ dagPlain base ];
    fromImageName = "e2e-base";
    fromImageTag = "1";
  };
  biPickMissing = stowage.buildImage {
    name = "e2e-bi-pick";
    tag = "missing";
    fromImage = stowage.mergeImages [ dagPlain base ];
    fromImageName = "e2e-base";
    fromImageTag = "2";
  };

  fakeRoot = stowage.streamLayeredImage {
    name = "e2e-fakeroot";
    tag = "latest";
    contents = [ busybox ];
    extraCommands = "mkdir -p home/alice home/bob data/deep";
    fakeRootCommands = "chown 1000:1000 home/alice; chown -R 2000:2001 data";
    perms = [
      { path = "/home/bob"; uid = 1001; gid = 1002; mode = "0700"; }
      { path = "/data"; mode = "0750"; recursive = true; }
    ];
  };
  biFakeRoot = stowage.buildImage {
    name = "e2e-bi-fakeroot";
    tag = "latest";
    copyToRoot = [ busybox ];
    extraCommands = "mkdir -p home/alice";
    fakeRootCommands = "chown 1000:1000 home/alice";
    perms = [ { path = "/bin"; mode = "0711"; } ];
  };
  layeredNixDb = stowage.buildLayeredImageWithNixDb {
    name = "e2e-nixdb";
    tag = "latest";
    compressor = "none";
    contents = [ busybox app ];
    config.Env = [ "HELLO=${hello}" ];
  };
  biNixDb = stowage.buildImageWithNixDb {
    name = "e2e-bi-nixdb";
    tag = "latest";
    compressor = "none";
    copyToRoot = [ app ];
  };

  # Each store layer its own derivation (import from derivation: opt-in).
  dagCached = stowage.buildLayeredImage (dagArgs // { cachedLayers = true; });
  dagV2Cached = stowage.buildLayeredImage (dagV2Args // { cachedLayers = true; });
  dagOtherCached = stowage.buildLayeredImage (dagOtherArgs // { cachedLayers = true; });
  dagOtherStreamCached = stowage.streamLayeredImage (removeAttrs dagOtherArgs [ "compressor" ] // { cachedLayers = true; });
  explicitLayers = stowage.buildLayeredImage {
    name = "e2e-explicit";
    tag = "latest";
    compressor = "none";
    contents = [ app busybox ];
    layers = [ [ libA ] [ libB app ] ];
    cachedLayers = true;
  };
  explicitStream = stowage.streamLayeredImage {
    name = "e2e-explicit";
    tag = "stream";
    contents = [ app busybox ];
    layers = [ [ libA ] [ libB app ] ];
    cachedLayers = true;
  };
}
