# A runnable stand-in for a nixpkgs package set: `import ./tests/nixpkgs-stand-in { }`
# gives what stowage and its tests read from pkgs (stdenv's platforms,
# buildPackages, and packages such as python3, bash, coreutils, fakeroot, nix, shadow),
# each a real, self-contained store path made from the host's Debian binaries
# (see manifest.nix and build.sh). Everything is built in the Nix sandbox:
# nixpkgs mode can then be tested with `sandbox = true` and no extra sandbox paths.
# x86_64-linux Debian only (12, 13, unstable).
{ }:
let
  inherit (builtins)
    all
    any
    attrNames
    concatMap
    concatStringsSep
    elem
    filter
    head
    isString
    length
    listToAttrs
    map
    match
    pathExists
    readDir
    readFile
    sort
    split
    stringLength
    substring
    ;
  manifest = import ./manifest.nix;
  system = "x86_64-linux";

  fail = message: throw "nixpkgs stand-in: ${message}";

  entriesOf = dir: if pathExists dir then readDir dir else { };
  # A directory that is one itself, not a symlink to one (/bin on merged /usr).
  isRealDir = dir: (entriesOf (dirOf dir)).${baseNameOf dir} or null == "directory";

  binDirs = filter isRealDir [ "/usr/bin" "/usr/sbin" "/bin" "/sbin" ];
  binEntries = map (dir: { inherit dir; entries = entriesOf dir; }) binDirs;
  libEntries = map (dir: { inherit dir; entries = entriesOf dir; }) (filter isRealDir manifest.libraryDirs);

  hostFile = path: builtins.path { path = /. + path; name = baseNameOf path; };

  # A program: the first regular file of that name in the host's bin directories.
  program =
    pname: name:
    let
      found = filter (d: d.entries.${name} or null == "regular") binEntries;
    in
    if found == [ ] then
      fail "${pname} needs the program ${name}, a regular file in none of ${concatStringsSep ", " binDirs}; install the Debian package that has it (scripts/setup.sh)"
    else
      hostFile "${(head found).dir}/${name}";

  # The regular files that a Debian package installed in a bin directory.
  dpkgPrograms =
    package:
    let
      list = "/var/lib/dpkg/info/${package}.list";
      lines = filter isString (split "\n" (if pathExists list then readFile list else fail "no ${list}; is the Debian package ${package} installed?"));
      inBin = filter (l: elem (dirOf l) [ "/bin" "/usr/bin" "/sbin" "/usr/sbin" ]) lines;
      names = map baseNameOf inBin;
    in
    # ("[" cannot be a store path's name; test is there)
    filter (n: match "[A-Za-z0-9+._-]+" n != null && any (d: d.entries.${n} or null == "regular") binEntries) names;

  # "libz.so" matches its versions (libz.so.1, libz.so.1.2.13), and libz.so
  # itself only as a regular file (as a symlink it is the -dev link, often absolute).
  matches =
    wanted: name: type:
    (name == wanted && type == "regular") || substring 0 (stringLength wanted + 1) name == wanted + ".";
  optional = wanted: match ".*\\?" wanted != null;
  bare = wanted: if optional wanted then substring 0 (stringLength wanted - 1) wanted else wanted;

  # The libraries, as one filtered import per host directory that has some.
  libraryImports =
    pname: wanted:
    let
      hasAny = d: w: any (n: matches w n d.entries.${n}) (attrNames d.entries);
      missing = filter (w: !optional w && !any (d: hasAny d (bare w)) libEntries) wanted;
      inDir = d: filter (w: hasAny d (bare w)) (map bare wanted);
      imported =
        d:
        let
          names = inDir d;
        in
        builtins.path {
          path = /. + d.dir;
          name = "${pname}-host-libraries";
          filter = path: type: type != "directory" && any (w: matches w (baseNameOf path) type) names;
        };
    in
    if missing != [ ] then
      fail "${pname} needs ${concatStringsSep ", " missing}, found in none of ${concatStringsSep ", " manifest.libraryDirs}; install the Debian package that has it, or mark it optional (a trailing ?) in tests/nixpkgs-stand-in/manifest.nix"
    else
      map imported (filter (d: inDir d != [ ]) libEntries);

  # The static busybox, in a directory of its own: run as .../busybox it takes
  # the applet from its first argument (a store name hash-busybox would not).
  busyboxDir =
    let
      found = filter (d: d.entries.busybox or null == "regular") binEntries;
    in
    if found == [ ] then
      fail "the static busybox is missing; install Debian's busybox-static"
    else
      builtins.path {
        path = /. + (head found).dir;
        name = "busybox-static";
        filter = path: type: baseNameOf path == "busybox";
      };
  busyboxFile = "${busyboxDir}/busybox";

  package =
    pname:
    {
      programs ? [ ],
      links ? { },
      libraries ? [ ],
      trees ? [ ],
      patchelf ? patchelfBootstrap,
      glibc ? pkgs.glibc,
      bash ? pkgs.bash,
      fixup ? "",
      extraAttrs ? { },
    }:
    derivation (
      {
        name = "${pname}-debian";
        inherit system fixup;
        builder = busyboxFile;
        args = [ "sh" "-e" ./build.sh ];
        programs = map (program pname) programs;
        libraries = libraryImports pname libraries;
        trees = map (t: "${t.source}=${t.target}") trees;
        links = map (n: "${n}=${links.${n}}") (attrNames links);
        patchelf = if patchelf == null then "" else patchelf;
        glibc = if glibc == null then "" else glibc;
        bash = if bash == null then "" else bash;
      }
      // extraAttrs
    );

  fromManifest =
    pname: extra:
    let
      m = manifest.packages.${pname};
    in
    package pname (
      {
        programs = (m.programs or [ ]) ++ (if m ? dpkg then dpkgPrograms m.dpkg else [ ]);
        links = m.links or { };
        libraries = m.libraries;
      }
      // extra
    );

  # patchelf with its libraries, unpatched: run through its own loader.
  patchelfBootstrap = package "patchelf-bootstrap" {
    programs = [ "patchelf" ];
    libraries = manifest.glibc ++ [ "libstdc++.so" "libgcc_s.so" ];
    patchelf = null;
    glibc = null;
    bash = null;
  };

  # Python: the one version whose standard library and program the host has.
  pythonVersion =
    let
      usrLib = entriesOf "/usr/lib";
      found = filter (
        n: match "python3\\.[0-9]+" n != null && usrLib.${n} == "directory" && pathExists "/usr/lib/${n}/os.py"
      ) (attrNames usrLib);
    in
    if found == [ ] then fail "no Python 3 standard library in /usr/lib; install Debian's python3" else head (sort (a: b: stringLength a > stringLength b || (stringLength a == stringLength b && a > b)) found);
  pythonStdlib = builtins.path {
    path = /. + "/usr/lib/${pythonVersion}";
    name = "${pythonVersion}-stdlib";
    filter =
      path: type:
      !elem (baseNameOf path) [ "__pycache__" "site-packages" "dist-packages" ]
      && !elem path (map (n: "/usr/lib/${pythonVersion}/${n}") [ "test" "idlelib" "tkinter" "turtledemo" "ensurepip" "lib2to3" ]);
  };

  # stdenv (its setup, mkDerivation) and mkShell: see stdenv.nix.
  stdenvParts = import ./stdenv.nix {
    inherit system;
    inherit (pkgs) bash coreutils;
    initialPath = [
      pkgs.coreutils
      pkgs.findutils
      pkgs.diffutils
      pkgs.gnused
      pkgs.gnugrep
      pkgs.gawk
      pkgs.gnutar
      pkgs.gzip
      pkgs.xz
      pkgs.bash
    ];
    platforms = {
      hostPlatform = { inherit system; };
      buildPlatform = { inherit system; };
    };
  };

  pkgs = {
    inherit (stdenvParts) stdenv mkShell;
    buildPackages = pkgs;

    glibc = package "glibc" {
      libraries = manifest.glibc;
      patchelf = null;
      glibc = null;
      bash = null;
    };
    bash = fromManifest "bash" { bash = null; };
    bashInteractive = pkgs.bash;
    coreutils = fromManifest "coreutils" { };
    findutils = fromManifest "findutils" { };
    diffutils = fromManifest "diffutils" { };
    gnused = fromManifest "gnused" { };
    gnugrep = fromManifest "gnugrep" { };
    gawk = fromManifest "gawk" { };
    gnutar = fromManifest "gnutar" { };
    gzip = fromManifest "gzip" { };
    xz = fromManifest "xz" { };
    zstd = fromManifest "zstd" { };
    hello = fromManifest "hello" { };
    shadow = fromManifest "shadow" { };
    nix = fromManifest "nix" { };
    fakeroot =
      let
        preload = manifest.packages.fakeroot.preload;
      in
      fromManifest "fakeroot" {
        trees = [
          {
            source = builtins.path {
              path = /. + dirOf preload;
              name = "libfakeroot";
              filter = path: type: baseNameOf path == baseNameOf preload;
            };
            target = "lib/libfakeroot";
          }
        ];
        # The script names its own files and the host's /bin/ls; it runs getopt, cut, sed.
        # In the sandbox's user namespace a real chown to an unmapped id fails with
        # EINVAL, which Debian's libfakeroot passes on (nixpkgs patches it to ignore
        # it): FAKEROOTDONTTRYCHOWN makes it not try.
        fixup = ''
          sed -i -e "s|^FAKEROOT_PREFIX=.*|FAKEROOT_PREFIX=$out|" -e "s|^FAKEROOT_BINDIR=.*|FAKEROOT_BINDIR=$out/bin|" \
            -e "s|^PATHS=.*|PATHS=$out/lib/libfakeroot|" -e "s|/bin/ls |$coreutils/bin/ls |g" \
            -e "2i PATH=$out/bin:$coreutils/bin:$gnused/bin:\$PATH; export FAKEROOTDONTTRYCHOWN=1" "$out/bin/fakeroot-sysv"
        '';
        extraAttrs = { inherit (pkgs) coreutils gnused; };
      };
    python3 = package "python3" {
      programs = [ pythonVersion ];
      inherit (manifest.packages.python3) libraries;
      trees = [
        {
          source = pythonStdlib;
          target = "lib/${pythonVersion}";
        }
      ];
      # Debian's Python finds its library from its program's path; Nix starts a
      # builder with the bare argv[0] "python3", so python3 is a wrapper that
      # starts the program by its full path. Hash-based bytecode, so that builders
      # need not compile the standard library each time.
      # glibc loads libgcc_s when a thread ends by pthread_exit (Python's daemon
      # threads at exit), from its own search path, which is the host's: as a
      # needed library it is loaded from the store at start (nixpkgs' glibc has it).
      fixup = ''
        patch --add-needed libgcc_s.so.1 "$out/bin/${pythonVersion}"
        for link in python3 python; do
          printf '#!%s/bin/bash\nexec %s/bin/${pythonVersion} "$@"\n' "$bash" "$out" > "$out/bin/$link"
          chmod 555 "$out/bin/$link"
        done
        PYTHONHASHSEED=0 "$out/bin/python3" -SB -m compileall -q -j 1 --invalidation-mode unchecked-hash \
          -x '/(test|tests)/' "$out/lib/${pythonVersion}" > /dev/null
      '';
    };
    cacert = package "nss-cacert" {
      trees = [
        {
          source = hostFile "/etc/ssl/certs/ca-certificates.crt";
          target = "etc/ssl/certs/ca-bundle.crt";
        }
      ];
      patchelf = null;
      glibc = null;
      bash = null;
    };
    busybox = package "busybox" {
      programs = [ ];
      trees = [
        {
          source = busyboxFile;
          target = "bin/busybox";
        }
      ];
      links = listToAttrs (
        map (n: { name = n; value = "busybox"; }) [ "sh" "ls" "cat" "id" "stat" "echo" "test" "env" "readlink" "mkdir" "cp" "rm" "ln" "chmod" "touch" "sed" "grep" "head" "tail" "wc" "sleep" "true" "false" "pwd" "find" "tr" ]
      );
      patchelf = null;
      glibc = null;
      bash = null;
    };
  };
in
pkgs
