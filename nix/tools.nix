# Where the builders' programs come from. The ONLY place that knows the two modes:
#  - host mode (pkgs == null): the host's /usr/bin/python3 and /bin/sh; the Nix
#    sandbox must be off, since those paths are outside the store.
#  - nixpkgs mode: python3 and bash of pkgs.buildPackages (they run on the machine
#    that builds, also when pkgs is a cross package set).
{ pkgs }:
let
  inherit (builtins) concatStringsSep;
  build = pkgs.buildPackages or pkgs;
in
if pkgs == null then
  {
    mode = "host";
    python = "/usr/bin/python3";
    shell = "/bin/sh";
    path = "/usr/local/bin:/usr/bin:/bin";
  }
else
  {
    mode = "nixpkgs";
    python = "${build.python3}/bin/python3";
    shell = "${build.bash}/bin/bash";
    path = concatStringsSep ":" (map (p: "${p}/bin") [ build.coreutils build.bash ]);
  }
