# streamNixShellImage and buildNixShellImage: an image whose shell is what
# `nix-shell` gives for a derivation: its variables as Nix's sandbox would set them
# for its build, an rcfile that sources its stdenv's setup (then runs command or
# run), /build as the build directory, the build user nixbld, /bin/sh, /usr/bin/env.
# nixpkgs mode only: the image holds pkgs' bash, coreutils and CA certificates.
{
  args,
  errors,
  validate,
  step,
  tools,
  arguments,
  names,
  helpers,
  archiveFile,
  compressors,
  # streamLayeredImage whose steps name a given builder (see nix/default.nix).
  streamAs,
}:
let
  inherit (builtins)
    attrNames
    dirOf
    elem
    filter
    isAttrs
    isList
    isPath
    isString
    listToAttrs
    removeAttrs
    split
    storeDir
    substring
    unsafeDiscardStringContext
    ;

  # Nix's sandbox build directory (Nix 2.8 and later): the image's working directory.
  buildDir = "/build";

  isDerivation = v: isAttrs v && v ? drvAttrs && v ? outPath && v ? name;

  # A derivation attribute as Nix puts it in the build's environment: paths are
  # copied into the store, lists joined by spaces, true is "1", false and null "".
  valueToString =
    v:
    if isPath v then
      "${v}"
    else if isList v then
      toString (map valueToString v)
    else
      toString v;

  checkDrv =
    v:
    if !(isDerivation v) then
      errors.problem "must be a derivation (a package, or a shell made by mkShell)" "For example drv = pkgs.hello or drv = pkgs.mkShell { packages = [ pkgs.hello ]; }"
    else if v.drvAttrs.__structuredAttrs or false then
      errors.problem "uses __structuredAttrs, whose variables a nix-shell image cannot set (as in nixpkgs)" "Use a derivation without __structuredAttrs = true"
    else
      null;

  defaultName = drv: "${drv.name}-env";

  absolute =
    example: v:
    if isString v && substring 0 1 v == "/" then
      null
    else
      errors.problem "must be an absolute path, as a string" "For example ${example}";

  nullOrString =
    v: if v == null || isString v then null else errors.problem "must be null or a string of shell" "For example run = \"buildDerivation\"";

  spec = {
    drv = {
      required = true;
      check = checkDrv;
    };
    # Default: the derivation's name with "-env".
    name = {
      default = null;
      checkWith =
        values: v:
        if v != null then
          arguments.image.name.check v
        else if !(isDerivation values.drv) || arguments.image.name.check (defaultName values.drv) == null then
          null
        else
          errors.problem "is not given, and its default, ${errors.show (defaultName values.drv)} (drv's name and -env), is no Docker image name" "Pass a name, for example name = \"hello-env\"";
    };
    tag = {
      default = null;
      check = arguments.image.tag.check;
    };
    uid = {
      default = 1000;
      check = validate.id;
    };
    gid = {
      default = 1000;
      check = validate.id;
    };
    homeDirectory = {
      default = buildDir;
      check = absolute "homeDirectory = \"/build\" (the default) or \"/homeless-shelter\"";
    };
    shell = {
      default = tools.files.sh.symlink or null;
      check = absolute "shell = \"\${pkgs.bashInteractive}/bin/bash\" (the default)";
    };
    command = {
      default = null;
      check = nullOrString;
    };
    run = {
      default = null;
      checkWith =
        values: v:
        if nullOrString v != null then
          nullOrString v
        else if v != null && values.command != null then
          errors.problem "cannot be given with command (command runs in an interactive shell, run in one that is not)" "Pass either command or run"
        else
          null;
    };
  };

  # The derivation's environment for its build, as nixpkgs' devShellTools computes
  # it: every attribute but args; a passAsFile attribute as <name>Path, a file
  # holding it; each output's path.
  derivationEnv =
    drv: files:
    let
      attrs = drv.drvAttrs;
      passed = passAsFileNames drv;
      entry =
        n:
        if elem n passed then
          {
            name = "${n}Path";
            value = "${files}/pass-as-file/${n}";
          }
        else
          {
            name = n;
            value = valueToString attrs.${n};
          };
      outputs = map (o: {
        name = o;
        value = unsafeDiscardStringContext drv.${o}.outPath;
      }) (drv.outputs or [ "out" ]);
    in
    listToAttrs (map entry (filter (n: n != "args") (attrNames attrs)) ++ outputs);

  # As Nix reads passAsFile: its string, split at white space; names of no attribute are ignored.
  passAsFileNames =
    drv:
    let
      words = split "[[:space:]]+" (unsafeDiscardStringContext (valueToString (drv.drvAttrs.passAsFile or [ ])));
    in
    filter (n: isString n && n != "" && drv.drvAttrs ? ${n}) words;

  # The rcfile, bin/buildDerivation and the passAsFile files (python/stowage/cli/nix_shell_env.py).
  shellFiles =
    who: a: baseName:
    step.run {
      inherit who;
      name = "${baseName}-nix-shell-files";
      command = "nix-shell-env";
      request = {
        version = 2;
        inherit (a) shell command run;
        # The derivation's builder (`builder` is the public builder, as in every request).
        drvBuilder = valueToString a.drv.drvAttrs.builder;
        args = map valueToString (a.drv.drvAttrs.args or [ ]);
        passAsFile = listToAttrs (
          map (n: {
            name = n;
            value = valueToString a.drv.drvAttrs.${n};
          }) (passAsFileNames a.drv)
        );
      };
    };

  # streamLayeredImage's arguments for the parsed arguments `a`.
  layeredArgs =
    who: a:
    let
      name = if a.name == null then defaultName a.drv else a.name;
      files = shellFiles who a (names.imageBaseName name);
      uid = toString a.uid;
      gid = toString a.gid;
      certificates = tools.files.caBundle.symlink;
      env =
        {
          SSL_CERT_FILE = certificates;
          NIX_SSL_CERT_FILE = certificates;
          # The shell's directory and buildDerivation's (as the rcfile puts them first).
          PATH = "${dirOf a.shell}:${files}/bin";
          HOME = a.homeDirectory;
          NIX_STORE = storeDir;
          NIX_BUILD_CORES = "1";
        }
        // derivationEnv a.drv files
        // {
          NIX_BUILD_TOP = buildDir;
          TMPDIR = buildDir;
          TEMPDIR = buildDir;
          TMP = buildDir;
          TEMP = buildDir;
          PWD = buildDir;
          TERM = "xterm-256color";
        };
    in
    {
      inherit name;
      inherit (a) tag;
      contents = [
        helpers.binSh
        helpers.usrBinEnv
        (helpers.fakeNss.override {
          # The build user, whose home is homeDirectory (Nix's own says /build).
          extraPasswdLines = [ "nixbld:x:${uid}:${gid}:Build user:${a.homeDirectory}:/noshell" ];
          extraGroupLines = [ "nixbld:!:${gid}:" ];
        })
      ];
      # The user owns the store (to build the derivation, or use Nix) and the build
      # directory; /tmp is for everyone, as usual.
      fakeRootCommands = ''
        mkdir -p ./nix/store ./nix/var/nix ./etc/nix .${buildDir} ./tmp
        chown -R ${uid}:${gid} ./nix ./etc/nix .${buildDir}
        chmod 1777 ./tmp
      '';
      config = {
        User = "${uid}:${gid}";
        # bash --rcfile rc: an interactive shell (command); bash rc: a script (run).
        Cmd =
          if a.run == null then
            [
              a.shell
              "--rcfile"
              "${files}/rc"
            ]
          else
            [
              a.shell
              "${files}/rc"
            ];
        WorkingDir = buildDir;
        Env = map (n: "${n}=${env.${n}}") (attrNames env);
      };
    };

  parse =
    who: spec: userArgs:
    if tools.mode == "host" then
      errors.fail who "pkgs must be a nixpkgs package set, as the image holds its bash, coreutils and CA certificates; got null (host mode). Import stowage with pkgs, e.g. import ./stowage { pkgs = import <nixpkgs> { }; }."
    else
      args.parse who spec userArgs;

  buildSpec = spec // {
    compressor = compressors.argument;
  };
in
{
  # An executable that writes the image to stdout, as streamLayeredImage's.
  streamNixShellImage =
    userArgs:
    let
      who = "streamNixShellImage";
    in
    streamAs who (layeredArgs who (parse who spec userArgs));

  # The image as a (compressed) docker-archive: <drv.name>-env.tar[.gz|.zst].
  buildNixShellImage =
    userArgs:
    let
      who = "buildNixShellImage";
      a = parse who buildSpec userArgs;
      stream = streamAs who (layeredArgs who (removeAttrs a [ "compressor" ]));
      image = archiveFile {
        inherit who;
        name = "${a.drv.name}-env";
        planned = { inherit (stream) conf; };
        inherit (a) compressor;
      };
      passthru = {
        inherit (stream) imageName imageTag;
        inherit stream;
      };
    in
    image // passthru // { inherit passthru; };
}
