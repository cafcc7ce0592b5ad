# Images that reach every build step of the library, for tests/eval/test_contract.py,
# which instantiates them and parses each step's request. Nothing here is built.
# `pkgs`: null (host mode), or a stand-in package set (nixpkgs mode).
{
  pkgs ? null,
}:
let
  lib = import ../.. { inherit pkgs; system = "x86_64-linux"; };
  arm = import ../.. { inherit pkgs; system = "aarch64-linux"; };

  pkg =
    name: deps:
    builtins.derivation {
      inherit name;
      system = "x86_64-linux";
      builder = "/bin/sh";
      args = [ "-c" "echo ${toString deps} > $out" ];
    };
  libc = pkg "contract-libc" [ ];
  app = pkg "contract-app" [ libc ];

  layered = lib.buildLayeredImage {
    name = "contract/layered";
    tag = "1";
    annotations."org.opencontainers.image.title" = "contract";
    contents = [ app lib.binSh lib.usrBinEnv lib.fakeNss lib.caCertificates ];
    layers = [ [ libc ] ];
    compressor = "zstd";
    perms = [ { path = "/etc"; mode = "0755"; recursive = true; } ];
    fakeRootCommands = "true";
    enableFakechroot = true;
    config.Cmd = [ "${app}" ];
    debug = true;
  };
  # zstd blobs kept by their compressed-layer derivations (compress-layer's and
  # push-plan's compression).
  zstdKept = lib.streamLayeredImage {
    name = "contract/zstd";
    tag = "1";
    contents = [ app ];
    pushCompression = {
      format = "zstd";
      level = 5;
      keepBlobs = true;
    };
  };
  withNixDb = lib.buildLayeredImageWithNixDb { name = "contract/nixdb"; tag = "1"; contents = [ app ]; };
  piped = lib.streamLayeredImage {
    name = "contract/pipeline";
    tag = "1";
    contents = [ app ];
    layeringPipeline = [ [ "popularity_contest" ] [ "limit_layers" 10 ] ];
  };
  built = lib.buildImage {
    name = "contract/build-image";
    tag = "1";
    fromImage = layered;
    copyToRoot = [ app ];
    runAsRoot = "true";
    keepContentsDirlinks = true;
  };
  builtWithNixDb = lib.buildImageWithNixDb { name = "contract/build-image-nixdb"; tag = "1"; copyToRoot = [ app ]; };
  pulled = lib.pullImage {
    imageName = "registry.example/app";
    imageDigest = "sha256:${builtins.hashString "sha256" "contract"}";
    hash = "sha256-${builtins.substring 0 43 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}=";
    finalImageTag = "1";
  };
  multi = lib.buildMultiArchImage {
    name = "contract/multi";
    tag = "1";
    annotations."org.opencontainers.image.title" = "contract";
    images = [
      layered
      (arm.buildLayeredImage { name = "contract/multi"; tag = "1"; contents = [ app ]; })
    ];
  };
  # nixpkgs mode only (the image holds pkgs' shell).
  shellDrv = builtins.derivation {
    name = "contract-shell";
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" "true" ];
    str = "text";
    passAsFile = [ "str" ];
  };
  nixShell =
    if pkgs == null then
      { }
    else
      {
        streamNixShellImage = [ (lib.streamNixShellImage { drv = shellDrv; run = "true"; }) ];
        buildNixShellImage = [ (lib.buildNixShellImage { drv = shellDrv; compressor = "zstd"; }) ];
      };
in
nixShell
// {
  # The public builder each top-level derivation serves.
  buildLayeredImage = [
    layered
    layered.stream
    layered.copyToRegistry
    layered.copyToDockerDaemon
    layered.copyToPodman
    layered.sbom
    layered.sbomCycloneDX
    layered.provenance
  ];
  buildLayeredImageWithNixDb = [ withNixDb ];
  streamLayeredImage = [ piped piped.streamScript zstdKept.copyToRegistry ];
  buildImage = [ built built.copyToRegistry ];
  buildImageWithNixDb = [ builtWithNixDb ];
  pullImage = [ pulled ];
  mergeImages = [ (lib.mergeImages [ layered pulled ]) ];
  exportImage = [ (lib.exportImage { fromImage = built; }) ];
  toOCILayout = [ (lib.toOCILayout layered) ];
  toOCIArchive = [ (lib.toOCIArchive pulled) ];
  buildMultiArchImage = [ multi multi.copyToRegistry ];
  binSh = [ lib.binSh ];
  usrBinEnv = [ lib.usrBinEnv ];
  fakeNss = [ lib.fakeNss ];
  caCertificates = [ lib.caCertificates ];
  nix-prefetch-docker = [ lib.nix-prefetch-docker ];
}
