# pullImage: an image from a registry, by digest, as a fixed-output derivation
# whose builder is the library's own registry client (python/stowage/registry).
# The output is an uncompressed docker-archive whose bytes depend only on the
# digest, the platform, finalImageName/finalImageTag and, with registryRecord
# (the default), the repository pulled from (imageName).
{
  args,
  errors,
  validate,
  reference,
  platform,
  step,
  system,
  override,
  tools,
}:
let
  inherit (builtins)
    isString
    match
    replaceStrings
    ;
  inherit (errors) problem;
  who = "pullImage";

  target = platform.forSystem who system;

  digest =
    v:
    if isString v && match "sha256:[0-9a-f]{64}" v != null then
      null
    else
      problem "must be a manifest digest sha256:<64 lowercase hex digits>" "Pulling by tag is not reproducible: run nix-prefetch-docker IMAGE TAG, which prints the digest and the hash";

  sriOrNull =
    v:
    if v == null || (isString v && match "(sha256|sha512)-[A-Za-z0-9+/]+=*" v != null) then
      null
    else
      problem "must be null or an SRI hash such as \"sha256-<base64>\"" "Use the hash nix-prefetch-docker prints (or prefetch-image), or lib.fakeHash to learn it from the error";

  sha256OrNull =
    v:
    if v == null || (isString v && match "[0-9a-z]{52}|[0-9a-f]{64}" v != null) then
      null
    else
      problem "must be null or a sha256 in Nix base-32 (52 characters) or hex (64)" "Prefer hash = \"sha256-...\" as prefetch-image prints it (nix-prefetch-docker prints sha256)";

  spec = {
    imageName = {
      required = true;
      check = reference.checkName;
    };
    imageDigest = {
      required = true;
      check = digest;
    };
    hash = {
      default = null;
      check = sriOrNull;
    };
    sha256 = {
      default = null;
      check = sha256OrNull;
    };
    # As a fixed-output derivation's own attributes: an SRI hash alone, or a
    # hash in any of Nix's encodings with its algorithm.
    outputHash = {
      default = null;
      check = validate.nullOr validate.string;
    };
    outputHashAlgo = {
      default = null;
      check =
        v:
        if v == null || builtins.elem v [ "sha256" "sha512" "sha1" "md5" ] then
          null
        else
          problem "must be null or one of \"sha256\", \"sha512\", \"sha1\", \"md5\"" "Use outputHashAlgo = \"sha256\", or hash = \"sha256-...\" alone";
    };
    finalImageName = {
      default = null;
      check = validate.nullOr reference.checkName;
    };
    finalImageTag = {
      default = "latest";
      check = v: if v == null then problem "must be a Docker tag" "For example finalImageTag = \"latest\"" else reference.checkTag v;
    };
    os = {
      default = "linux";
      check = validate.string;
    };
    arch = {
      default = target.architecture;
      check = platform.checkArchitecture;
    };
    variant = {
      default = target.variant;
      check = validate.nullOr validate.string;
    };
    tlsVerify = {
      default = true;
      check = validate.bool;
    };
    # Keep the registry's layer blobs and digests in the archive
    # (stowage-registry.json), so that images built on it push the base layers
    # by reference; false gives the archive of earlier releases (and its hash).
    registryRecord = {
      default = true;
      check = validate.bool;
    };
    # The CA bundle to trust, as a path (copied into the store, so the sandbox
    # sees it) or a store path; see "Registry credentials, proxies and TLS".
    caFile = {
      default = null;
      check =
        v:
        if v == null || builtins.isPath v || (builtins.isAttrs v && v ? outPath) || (isString v && builtins.substring 0 (builtins.stringLength builtins.storeDir + 1) v == builtins.storeDir + "/") then
          null
        else
          problem "must be null, a path or a store path (the Nix sandbox does not see host files)" "For example caFile = ./registry-ca.pem, which Nix copies into the store";
    };
    name = {
      default = null;
      check = validate.nullOr validate.string;
    };
  };

  # Exactly one of hash, sha256 and outputHash, as outputHash/outputHashAlgo.
  outputHashOf =
    a:
    let
      given = builtins.filter (n: a.${n} != null) [ "hash" "sha256" "outputHash" ];
    in
    if builtins.length given > 1 then
      errors.fail who "${builtins.head given} and ${builtins.elemAt given 1} are both set; got ${builtins.head given} = ${errors.show a.${builtins.head given}}, ${builtins.elemAt given 1} = ${errors.show a.${builtins.elemAt given 1}}. Keep only hash"
    else if a.outputHashAlgo != null && a.outputHash == null then
      errors.fail who "outputHashAlgo is set without outputHash; got outputHashAlgo = ${errors.show a.outputHashAlgo}. Set outputHash too, or use hash = \"sha256-...\""
    else if a.outputHash != null then
      { inherit (a) outputHash; } // (if a.outputHashAlgo == null then { } else { inherit (a) outputHashAlgo; })
    else if a.hash != null then
      { outputHash = a.hash; }
    else if a.sha256 != null then
      {
        outputHash = a.sha256;
        outputHashAlgo = "sha256";
      }
    else
      errors.fail who "hash is required (the hash of the pulled archive); got nothing. Run nix-prefetch-docker ${a.imageName} ${a.imageDigest}, which prints it, e.g. sha256 = \"...\"";

  # Proxies, the CA bundle, where credentials are looked up, and deadlines (see README);
  # stowage.registry.credentials.VARIABLES lists the same.
  impureEnvVars = [
    "http_proxy"
    "https_proxy"
    "all_proxy"
    "no_proxy"
    "HTTP_PROXY"
    "HTTPS_PROXY"
    "ALL_PROXY"
    "NO_PROXY"
    "SSL_CERT_FILE"
    "NIX_SSL_CERT_FILE"
    "STOWAGE_REGISTRY_HOST"
    "STOWAGE_REGISTRY_USERNAME"
    "STOWAGE_REGISTRY_PASSWORD"
    "STOWAGE_REGISTRY_PASSWORD_FILE"
    "STOWAGE_REGISTRY_REALM_HOSTS"
    "STOWAGE_REGISTRY_TIMEOUT"
    "STOWAGE_REGISTRY_MIN_RATE"
    "REGISTRY_AUTH_FILE"
    "XDG_RUNTIME_DIR"
    "DOCKER_CONFIG"
  ];
in
override.overridable { inherit who; names = builtins.attrNames spec; } (
userArgs:
let
  a = args.parse who spec userArgs;
  finalImageName = if a.finalImageName == null then a.imageName else a.finalImageName;
  name =
    if a.name != null then
      a.name
    else
      replaceStrings [ "/" ":" ] [ "-" "-" ] "docker-image-${finalImageName}-${a.finalImageTag}.tar";
in
step.run {
  inherit who name;
  command = "pull-image";
  request = {
    version = 4;
    inherit (a) imageName imageDigest os variant tlsVerify registryRecord;
    architecture = a.arch;
    repoTag = "${finalImageName}:${a.finalImageTag}";
    caFile = if a.caFile == null then tools.caFile else "${a.caFile}";
  };
  extraAttrs = outputHashOf a // {
    outputHashMode = "flat";
    inherit impureEnvVars;
    preferLocalBuild = true;
    imageName = finalImageName;
    imageTag = a.finalImageTag;
    inherit (a) imageDigest;
  };
}
)
