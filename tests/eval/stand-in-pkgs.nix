# A stand-in for a nixpkgs package set: just what stowage reads from pkgs. Its
# packages are derivations that are never built (evaluation tests only): it can
# pose as a cross or darwin package set. The runnable stand-in, whose packages
# build and run, is tests/nixpkgs-stand-in (x86_64-linux only).
{
  hostSystem ? "aarch64-linux",
  buildSystem ? "x86_64-linux",
}:
let
  fake =
    name:
    builtins.derivation {
      inherit name;
      system = buildSystem;
      builder = "/bin/false";
    };
  set = {
    stdenv.hostPlatform.system = hostSystem;
    stdenv.buildPlatform.system = buildSystem;
    python3 = fake "python3-3.12";
    bash = fake "bash-5.2";
    coreutils = fake "coreutils-9.5";
    bashInteractive = fake "bash-interactive-5.2";
    cacert = fake "nss-cacert-3.101";
    zstd = fake "zstd-1.5.6";
    fakeroot = fake "fakeroot-1.36";
    nix = fake "nix-2.24";
    findutils = fake "findutils-4.10";
    diffutils = fake "diffutils-3.10";
    gnused = fake "gnused-4.9";
    gnugrep = fake "gnugrep-3.11";
    gawk = fake "gawk-5.3";
    gnutar = fake "gnutar-1.35";
    gzip = fake "gzip-1.13";
    xz = fake "xz-5.6";
  };
in
set // { buildPackages = set; }
