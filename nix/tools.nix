# Where the builders' programs, and the files of the image helpers, come from.
# The ONLY place that knows the two modes:
#  - host mode (pkgs == null): the host's /usr/bin/python3 and /bin/sh, and for
#    the helpers the host's static busybox and CA bundle, copied into the store.
#    The Nix sandbox must be off (or `relaxed`: the build steps carry
#    `__noChroot = true`), since those paths are outside the store.
#  - nixpkgs mode: python3 and bash of pkgs.buildPackages (they run on the
#    machine that builds, also when pkgs is a cross package set); the helpers'
#    files are symlinks into pkgs' packages (built for the image's platform).
{ pkgs }:
let
  inherit (builtins) concatStringsSep;
  build = pkgs.buildPackages or pkgs;
  # How a helper gets a file: { copy = host path; } or { symlink = store path; }.
  hostBusybox = { copy = "/bin/busybox"; };
in
if pkgs == null then
  {
    mode = "host";
    python = "/usr/bin/python3";
    shell = "/bin/sh";
    path = "/usr/local/bin:/usr/bin:/bin";
    zstd = "/usr/bin/zstd";
    fakeroot = "/usr/bin/fakeroot";
    nixStore = "/usr/bin/nix-store";
    # pullImage's CA bundle when it is given none: the system's (no sandbox).
    caFile = null;
    # The shell of scripts that see the image root as / (runAsRoot, enableFakechroot):
    # the host's static busybox, put in the root while they run.
    rootShell = { busybox = "/bin/busybox"; };
    # shadowSetup's useradd: the host's needs the host's libraries, not in an image root.
    shadow = null;
    files = {
      # Static busybox: runs in an image with no libc.
      sh = hostBusybox;
      env = hostBusybox;
      caBundle = { copy = "/etc/ssl/certs/ca-certificates.crt"; };
    };
  }
else
  {
    mode = "nixpkgs";
    python = "${build.python3}/bin/python3";
    shell = "${build.bash}/bin/bash";
    # What extraCommands may use, as the host's PATH offers it in host mode.
    path = concatStringsSep ":" (
      map (p: "${p}/bin") [
        build.coreutils
        build.findutils
        build.diffutils
        build.gnused
        build.gnugrep
        build.gawk
        build.gnutar
        build.gzip
        build.xz
        build.bash
      ]
    );
    zstd = "${build.zstd}/bin/zstd";
    fakeroot = "${build.fakeroot}/bin/fakeroot";
    nixStore = "${build.nix}/bin/nix-store";
    # pullImage's CA bundle when it is given none: a store path, seen in the sandbox.
    caFile = "${build.cacert}/etc/ssl/certs/ca-bundle.crt";
    # Scripts that see the image root as / use shell and path: store paths, seen there.
    rootShell = null;
    shadow = build.shadow or null;
    files = {
      sh = { symlink = "${pkgs.bashInteractive}/bin/bash"; };
      env = { symlink = "${pkgs.coreutils}/bin/env"; };
      caBundle = { symlink = "${pkgs.cacert}/etc/ssl/certs/ca-bundle.crt"; };
    };
  }
