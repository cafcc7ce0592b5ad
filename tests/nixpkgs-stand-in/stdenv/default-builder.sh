# The builder of the stand-in's stdenv.mkDerivation (run as `bash -e`).
source "$stdenv/setup"
genericBuild
