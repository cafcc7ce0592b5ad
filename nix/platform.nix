# The image's platform: Nix system -> OCI architecture and variant (GOARCH names).
{ errors }:
let
  inherit (builtins)
    attrNames
    concatStringsSep
    elem
    fromJSON
    isString
    match
    readFile
    ;

  table = fromJSON (readFile ./platforms.json);
  knownSystems = concatStringsSep ", " (attrNames table.systems);
  knownArchitectures = concatStringsSep ", " table.architectures;

  osOf = system: let m = match "[^-]+-(.*)" system; in if m == null then "" else builtins.head m;
in
{
  # { architecture, variant } of the image target, or a throw naming `who`.
  forSystem =
    who: system:
    if !(isString system) then
      errors.fail who "system must be a Nix system string such as \"x86_64-linux\"; got ${errors.show system}. Known systems: ${knownSystems}."
    else if table.systems ? ${system} then
      table.systems.${system}
    else if match ".*darwin.*" (osOf system) != null then
      errors.fail who "system (the platform the image is for) must be Linux; got ${errors.show system}. Container images run Linux binaries: build the image's contents for Linux, e.g. with system = \"${builtins.head (builtins.split "-" system)}-linux\" (through cross compilation such as pkgsCross, or a Linux remote builder). Building from a darwin machine is fine: set localSystem to the darwin system."
    else if osOf system != "linux" then
      errors.fail who "system (the platform the image is for) must be Linux; got ${errors.show system}. Container images run Linux binaries. Known systems: ${knownSystems}."
    else
      errors.fail who "system is not a Linux system this library knows; got ${errors.show system}. Known systems: ${knownSystems}.";

  # A check (see args.nix) for an explicit `architecture`.
  checkArchitecture =
    value:
    if isString value && elem value table.architectures then
      null
    else
      errors.problem "must be an OCI (GOARCH) architecture name" "Known architectures: ${knownArchitectures}";
}
