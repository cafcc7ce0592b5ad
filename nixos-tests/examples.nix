# The images of nixpkgs' pkgs/build-support/docker/examples.nix, built with this
# library: the same attribute names, builders and arguments, as nixpkgs users
# wrote them (`pkgs.dockerTools.buildImage` is `dockerTools.buildImage` here).
#
#   pkgs         a nixpkgs package set, or the stand-in of
#                tests/nixpkgs-stand-in/extra.nix (small stand-ins for redis and
#                nginx; no emacs, vim, nano, mkShell, pkgsCross or NixOS modules:
#                the examples that need those are only evaluated when asked for)
#   dockerTools  this library: `import ./.. { inherit pkgs; }`, or host mode
#   dockerToolsFor  pkgs -> the library for that package set (only `cross` uses it)
{
  pkgs,
  dockerTools,
  dockerToolsFor ? (p: import ./.. { pkgs = p; }),
}:
let
  inherit (dockerTools)
    buildImage
    buildImageWithNixDb
    buildLayeredImage
    pullImage
    streamNixShellImage
    ;

  # /etc/passwd, shadow, group and gshadow with root and one user.
  nonRootShadowSetup =
    {
      uid,
      user,
      gid ? uid,
    }:
    [
      (pkgs.writeTextDir "etc/shadow" ''
        root:!x:::::::
        ${user}:!:::::::
      '')
      (pkgs.writeTextDir "etc/passwd" ''
        root:x:0:0::/root:${pkgs.runtimeShell}
        ${user}:x:${toString uid}:${toString gid}::/home/${user}:
      '')
      (pkgs.writeTextDir "etc/group" ''
        root:x:0:
        ${user}:x:${toString gid}:
      '')
      (pkgs.writeTextDir "etc/gshadow" ''
        root:x::
        ${user}:x::
      '')
    ];

  binEnv =
    paths:
    pkgs.buildEnv {
      name = "image-root";
      inherit paths;
      pathsToLink = [ "/bin" ];
    };

  nginxArguments =
    let
      nginxPort = "80";
      nginxWebRoot = pkgs.writeTextDir "index.html" ''
        <html><body><h1>Hello from NGINX</h1></body></html>
      '';
      nginxConf = pkgs.writeText "nginx.conf" ''
        user nginx nginx;
        daemon off;
        error_log /dev/stdout info;
        pid /dev/null;
        events {}
        http {
          access_log /dev/stdout;
          server {
            listen ${nginxPort};
            index index.html;
            location / {
              root ${nginxWebRoot};
            }
          }
        }
      '';
    in
    {
      name = "nginx-container";
      tag = "latest";
      contents = [
        pkgs.nginx
      ]
      ++ nonRootShadowSetup {
        uid = 999;
        user = "nginx";
      };
      extraCommands = ''
        mkdir -p tmp/nginx_client_body
        # nginx reads this directory whatever error_log says
        mkdir -p var/log/nginx
      '';
      config = {
        Cmd = [
          "nginx"
          "-c"
          nginxConf
        ];
        ExposedPorts."${nginxPort}/tcp" = { };
      };
      meta.description = "Basic nginx docker image example";
    };

  nixFromDockerHubArguments = {
    imageName = "nixos/nix";
    imageDigest = "sha256:85299d86263a3059cf19f419f9d286cc9f06d3c13146a8ebbb21b3437f598357";
    hash = "sha256-xxZ4UW6jRIVAzlVYA62awcopzcYNViDyh6q1yocF3KU=";
    finalImageName = "nix";
    finalImageTag = "2.2.1";
  };

  nixEnv = [
    "NIX_PAGER=cat"
    # Nix wants a user name
    "USER=nobody"
  ];

  # One image per letter, each on the one before; each runAsRoot appends its
  # letter to /layer-order, so the last holds "abc" only if the layers below were
  # unpacked in order before its script ran.
  layerOnTopOf =
    parent: layerName:
    dockerTools.buildImage {
      name = "layers-unpack-order-${layerName}";
      tag = "latest";
      fromImage = parent;
      copyToRoot = binEnv [ pkgs.coreutils ];
      runAsRoot = ''
        #!${pkgs.runtimeShell}
        echo -n "${layerName}" >> /layer-order
      '';
    };

  nixShell =
    name: args:
    streamNixShellImage (
      {
        inherit name;
        tag = "latest";
      }
      // args
    );

  examples = {
    bash = buildImage {
      name = "bash";
      tag = "latest";
      copyToRoot = binEnv [ pkgs.bash ];
      meta.description = "Basic example image";
    };

    redis = buildImage {
      name = "redis";
      tag = "latest";
      fromImage = examples.bash;
      copyToRoot = binEnv [ pkgs.redis ];
      runAsRoot = ''
        mkdir -p /data
        cat >/bin/healthcheck <<-'EOF'
        set -x
        probe="$(/bin/redis-cli ping)"
        echo "$probe"
        if [ "$probe" = 'PONG' ]; then
          exit 0
        fi
        exit 1
        EOF
        chmod +x /bin/healthcheck
      '';
      config = {
        Cmd = [ "/bin/redis-server" ];
        WorkingDir = "/data";
        Volumes."/data" = { };
        Healthcheck = {
          Test = [
            "CMD-SHELL"
            "/bin/healthcheck"
          ];
          Interval = 30000000000;
          Timeout = 10000000000;
          Retries = 3;
        };
      };
      meta.description = "Service example, layered on another image";
    };

    nginx = buildLayeredImage nginxArguments;
    nginxStream = dockerTools.streamLayeredImage nginxArguments;

    nixFromDockerHub = pullImage nixFromDockerHubArguments;
    testNixFromDockerHub = pkgs.testers.invalidateFetcherByDrvHash pullImage nixFromDockerHubArguments;

    editors = buildImage {
      name = "editors";
      copyToRoot = binEnv [
        pkgs.coreutils
        pkgs.bash
        pkgs.emacs
        pkgs.vim
        pkgs.nano
      ];
    };

    nix = buildImageWithNixDb {
      name = "nix";
      tag = "latest";
      # nix-store shows results with NIX_PAGER (cat, from coreutils)
      copyToRoot = binEnv [
        pkgs.coreutils
        pkgs.nix
        pkgs.bash
      ];
      config.Env = nixEnv;
      meta.description = "nix example to play with the container nix store";
    };

    onTopOfPulledImage = buildImage {
      name = "onTopOfPulledImage";
      tag = "latest";
      fromImage = examples.nixFromDockerHub;
      copyToRoot = binEnv [ pkgs.hello ];
    };

    # nixpkgs issue 34779: quotes and parentheses must reach the shell intact.
    runAsRootExtraCommands = dockerTools.buildImage {
      name = "runAsRootExtraCommands";
      tag = "latest";
      copyToRoot = binEnv [ pkgs.coreutils ];
      runAsRoot = ''echo "(runAsRoot)" > runAsRoot'';
      extraCommands = ''echo "(extraCommand)" > extraCommands'';
    };

    unstableDate = dockerTools.buildImage {
      name = "unstable-date";
      tag = "latest";
      copyToRoot = binEnv [ pkgs.coreutils ];
      created = "now";
    };

    layered-image = dockerTools.buildLayeredImage {
      name = "layered-image";
      tag = "latest";
      contents = [
        pkgs.hello
        pkgs.bash
        pkgs.coreutils
      ];
      extraCommands = ''echo "(extraCommand)" > extraCommands'';
      config.Cmd = [ "${pkgs.hello}/bin/hello" ];
    };

    layered-on-top = dockerTools.buildImage {
      name = "layered-on-top";
      tag = "latest";
      fromImage = examples.layered-image;
      extraCommands = ''
        mkdir ./example-output
        chmod 777 ./example-output
      '';
      config = {
        Env = [ "PATH=${pkgs.coreutils}/bin/" ];
        WorkingDir = "/example-output";
        Cmd = [
          "${pkgs.bash}/bin/bash"
          "-c"
          "echo hello > foo; cat foo"
        ];
      };
    };

    layered-on-top-layered = dockerTools.buildLayeredImage {
      name = "layered-on-top-layered";
      tag = "latest";
      fromImage = examples.layered-image;
      extraCommands = ''
        mkdir ./example-output
        chmod 777 ./example-output
      '';
      config = {
        Env = [ "PATH=${pkgs.coreutils}/bin/" ];
        WorkingDir = "/example-output";
        Cmd = [
          "${pkgs.bash}/bin/bash"
          "-c"
          "echo hello > foo; cat foo"
        ];
      };
    };

    # nixpkgs PR 52109: runAsRoot on top of a parent image.
    runAsRootParentImage = buildImage {
      name = "runAsRootParentImage";
      tag = "latest";
      runAsRoot = "touch /example-file";
      fromImage = examples.bash;
    };

    # Three images, each on the one before, each overwriting files of the ones below.
    layersOrder =
      let
        l1 = dockerTools.buildImage {
          name = "l1";
          tag = "latest";
          extraCommands = ''
            mkdir -p tmp
            echo layer1 > tmp/layer1
            echo layer1 > tmp/layer2
            echo layer1 > tmp/layer3
          '';
        };
        l2 = dockerTools.buildImage {
          name = "l2";
          tag = "latest";
          fromImage = l1;
          extraCommands = ''
            mkdir -p tmp
            echo layer2 > tmp/layer2
            echo layer2 > tmp/layer3
          '';
        };
      in
      dockerTools.buildImage {
        name = "l3";
        tag = "latest";
        fromImage = l2;
        copyToRoot = binEnv [ pkgs.coreutils ];
        extraCommands = ''
          mkdir -p tmp
          echo layer3 > tmp/layer3
        '';
      };

    environmentVariablesParent = dockerTools.buildImage {
      name = "parent";
      tag = "latest";
      config.Env = [
        "FROM_PARENT=true"
        "LAST_LAYER=parent"
      ];
    };

    environmentVariables = dockerTools.buildImage {
      name = "child";
      tag = "latest";
      fromImage = examples.environmentVariablesParent;
      copyToRoot = binEnv [ pkgs.coreutils ];
      config.Env = [
        "FROM_CHILD=true"
        "LAST_LAYER=child"
      ];
    };

    environmentVariablesLayered = dockerTools.buildLayeredImage {
      name = "child";
      tag = "latest";
      fromImage = examples.environmentVariablesParent;
      contents = [ pkgs.coreutils ];
      config.Env = [
        "FROM_CHILD=true"
        "LAST_LAYER=child"
      ];
    };

    # Shares layers with layered-image (its closure comes from the config alone).
    another-layered-image = dockerTools.buildLayeredImage {
      name = "another-layered-image";
      tag = "latest";
      config.Cmd = [ "${pkgs.hello}/bin/hello" ];
    };

    two-layered-image = dockerTools.buildLayeredImage {
      name = "two-layered-image";
      tag = "latest";
      contents = [
        pkgs.bash
        pkgs.hello
      ];
      config.Cmd = [ "${pkgs.hello}/bin/hello" ];
      maxLayers = 2;
    };

    # More packages than layers: coreutils and hello share one.
    bulk-layer = dockerTools.buildLayeredImage {
      name = "bulk-layer";
      tag = "latest";
      contents = [
        pkgs.coreutils
        pkgs.hello
      ];
      maxLayers = 2;
    };

    layered-bulk-layer = dockerTools.buildLayeredImage {
      name = "layered-bulk-layer";
      tag = "latest";
      fromImage = examples.two-layered-image;
      contents = [
        pkgs.coreutils
        pkgs.hello
      ];
      maxLayers = 4;
    };

    # No store layers but what busybox refers to; hello runs at build time only.
    no-store-paths = dockerTools.buildLayeredImage {
      name = "no-store-paths";
      tag = "latest";
      extraCommands = ''
        cp -r ${pkgs.pkgsStatic.busybox}/* .
        ${pkgs.hello}/bin/hello
      '';
    };

    nixLayered = dockerTools.buildLayeredImageWithNixDb {
      name = "nix-layered";
      tag = "latest";
      contents = [
        pkgs.coreutils
        pkgs.nix
        pkgs.bash
      ];
      config.Env = nixEnv;
    };

    # A file of the store read at run time (nixpkgs PR 91084).
    filesInStore = dockerTools.buildLayeredImageWithNixDb {
      name = "file-in-store";
      tag = "latest";
      contents = [
        pkgs.coreutils
        pkgs.nix
        (pkgs.writeScriptBin "myscript" ''
          #!${pkgs.runtimeShell}
          cat ${pkgs.writeText "somefile" "some data"}
        '')
      ];
      config = {
        Cmd = [ "myscript" ];
        Env = [ "USER=root" ];
      };
    };

    unstableDateLayered = dockerTools.buildLayeredImage {
      name = "unstable-date-layered";
      tag = "latest";
      contents = [ pkgs.coreutils ];
      created = "now";
    };

    layersUnpackOrder = layerOnTopOf (layerOnTopOf (layerOnTopOf null "a") "b") "c";

    bashUncompressed = dockerTools.buildImage {
      name = "bash-uncompressed";
      tag = "latest";
      compressor = "none";
      copyToRoot = pkgs.bash;
    };

    bashZstdCompressed = dockerTools.buildImage {
      name = "bash-zstd";
      tag = "latest";
      compressor = "zstd";
      copyToRoot = pkgs.bash;
    };

    bashNoTag = dockerTools.buildImage {
      name = "bash-no-tag";
      copyToRoot = pkgs.bash;
    };

    bashNoTagLayered = dockerTools.buildLayeredImage {
      name = "bash-no-tag-layered";
      contents = pkgs.bash;
    };

    bashLayeredUncompressed = dockerTools.buildLayeredImage {
      name = "bash-layered-uncompressed";
      tag = "latest";
      compressor = "none";
      contents = pkgs.bash;
    };

    bashLayeredZstdCompressed = dockerTools.buildLayeredImage {
      name = "bash-layered-zstd";
      tag = "latest";
      compressor = "zstd";
      contents = pkgs.bash;
    };

    bashNoTagStreamLayered = dockerTools.streamLayeredImage {
      name = "bash-no-tag-stream-layered";
      contents = pkgs.bash;
    };

    bashLayeredWithUser = dockerTools.buildLayeredImage {
      name = "bash-layered-with-user";
      tag = "latest";
      contents = [
        pkgs.bash
        pkgs.coreutils
      ]
      ++ nonRootShadowSetup {
        uid = 999;
        user = "somebody";
      };
    };

    # hello for the other architecture (needs nixpkgs' pkgsCross).
    cross =
      let
        crossPkgs =
          if pkgs.stdenv.hostPlatform.system == "aarch64-linux" then
            pkgs.pkgsCross.gnu64
          else
            pkgs.pkgsCross.aarch64-multiplatform;
      in
      (dockerToolsFor crossPkgs).buildImage {
        name = "hello-cross";
        tag = "latest";
        copyToRoot = pkgs.buildEnv {
          name = "image-root";
          paths = [ crossPkgs.hello ];
          pathsToLink = [ "/bin" ];
        };
      };

    # A store path that is itself a symlink.
    layeredStoreSymlink =
      let
        target = pkgs.writeTextDir "dir/target" "Content doesn't matter.";
        symlink = pkgs.runCommand "symlink" { } "ln -s ${target} $out";
      in
      dockerTools.buildLayeredImage {
        name = "layeredstoresymlink";
        tag = "latest";
        contents = [
          pkgs.bash
          symlink
        ];
      }
      // {
        passthru = {
          inherit symlink;
        };
      };

    prefixedImage = dockerTools.buildImage {
      name = "registry-1.docker.io/image";
      tag = "latest";
      config.Cmd = [ "${pkgs.hello}/bin/hello" ];
    };

    prefixedLayeredImage = dockerTools.buildLayeredImage {
      name = "registry-1.docker.io/layered-image";
      tag = "latest";
      config.Cmd = [ "${pkgs.hello}/bin/hello" ];
    };

    # A directory owned by uid 1000, and a link to a hello found nowhere else.
    layeredImageWithFakeRootCommands = dockerTools.buildLayeredImage {
      name = "layered-image-with-fake-root-commands";
      tag = "latest";
      contents = [ pkgs.pkgsStatic.busybox ];
      fakeRootCommands = ''
        mkdir -p ./home/alice
        chown 1000 ./home/alice
        ln -s ${
          pkgs.hello.overrideAttrs (
            finalAttrs: prevAttrs: {
              configureFlags = prevAttrs.configureFlags or [ ] ++ [
                "--program-prefix=layeredImageWithFakeRootCommands-"
              ];
              doCheck = false;
              meta = prevAttrs.meta // {
                mainProgram = "layeredImageWithFakeRootCommands-hello";
              };
            }
          )
        } ./hello
      '';
    };

    mergedBashAndRedis = dockerTools.mergeImages [
      examples.bash
      examples.redis
    ];

    mergedBashNoTagAndRedis = dockerTools.mergeImages [
      examples.bashNoTag
      examples.redis
    ];

    mergedBashFakeRoot = dockerTools.mergeImages [
      examples.bash
      examples.layeredImageWithFakeRootCommands
    ];

    mergeVaryingCompressor = dockerTools.mergeImages [
      examples.redis
      examples.bashUncompressed
      examples.bashZstdCompressed
    ];

    helloOnRoot = dockerTools.streamLayeredImage {
      name = "hello";
      tag = "latest";
      contents = [
        (pkgs.buildEnv {
          name = "hello-root";
          paths = [ pkgs.hello ];
        })
      ];
      config.Cmd = [ "hello" ];
    };

    helloOnRootNoStore = dockerTools.streamLayeredImage {
      name = "hello";
      tag = "latest";
      contents = [
        (pkgs.buildEnv {
          name = "hello-root";
          paths = [ pkgs.hello ];
        })
      ];
      config.Cmd = [ "hello" ];
      includeStorePaths = false;
    };

    helloOnRootNoStoreFakechroot = dockerTools.streamLayeredImage {
      name = "hello";
      tag = "latest";
      contents = [
        (pkgs.buildEnv {
          name = "hello-root";
          paths = [ pkgs.hello ];
        })
      ];
      config.Cmd = [ "hello" ];
      includeStorePaths = false;
      enableFakechroot = true;
    };

    # NixOS' etc activation run under fakechroot (needs nixpkgs' NixOS modules).
    etc =
      let
        nixosLib = import "${pkgs.path}/nixos/lib" { featureFlags.minimalModules = { }; };
        nixosCore = nixosLib.evalModules {
          modules = [
            {
              environment.etc."some-config-file".text = ''
                127.0.0.1 localhost
                ::1 localhost
              '';
              imports = [
                pkgs.pkgsModule
                "${pkgs.path}/nixos/modules/system/etc/etc.nix"
              ];
            }
          ];
        };
        etcCmd = pkgs.writeScript "etc-cmd" ''
          #!${pkgs.busybox}/bin/sh
          ${pkgs.busybox}/bin/cat /etc/some-config-file
        '';
      in
      dockerTools.streamLayeredImage {
        name = "etc";
        tag = "latest";
        enableFakechroot = true;
        fakeRootCommands = ''
          mkdir -p /etc
          ${nixosCore.config.system.build.etcActivationCommands}
        '';
        config.Cmd = [ etcCmd ];
      };

    exportBash = dockerTools.exportImage { fromImage = examples.bash; };

    imageViaFakeChroot = dockerTools.streamLayeredImage {
      name = "image-via-fake-chroot";
      tag = "latest";
      # An absolute /bin: the fake chroot makes it the image's.
      enableFakechroot = true;
      fakeRootCommands = ''
        mkdir /bin
        ln -s ${pkgs.hello}/bin/hello /bin/hello
      '';
      config.Cmd = [ "hello" ];
    };

    build-image-with-path = buildImage {
      name = "build-image-with-path";
      tag = "latest";
      copyToRoot = [
        pkgs.bash
        ./test-dummy
      ];
    };

    layered-image-with-path = dockerTools.streamLayeredImage {
      name = "layered-image-with-path";
      tag = "latest";
      contents = [
        pkgs.bash
        ./test-dummy
      ];
    };

    build-image-with-architecture = buildImage {
      name = "build-image-with-architecture";
      tag = "latest";
      architecture = "arm64";
      copyToRoot = [
        pkgs.bash
        ./test-dummy
      ];
    };

    layered-image-with-architecture = dockerTools.streamLayeredImage {
      name = "layered-image-with-architecture";
      tag = "latest";
      architecture = "arm64";
      contents = [
        pkgs.bash
        ./test-dummy
      ];
    };

    image-with-certs = buildImage {
      name = "image-with-certs";
      tag = "latest";
      copyToRoot = pkgs.buildEnv {
        name = "image-with-certs-root";
        paths = [
          pkgs.coreutils
          dockerTools.caCertificates
        ];
      };
      config = { };
    };

    nix-layered = dockerTools.streamLayeredImage {
      name = "nix-layered";
      tag = "latest";
      contents = [
        pkgs.nix
        pkgs.bash
      ];
      includeNixDB = true;
      config.Env = [ "NIX_PAGER=cat" ];
    };

    # streamNixShellImage (nixpkgs' nixos/tests/docker-tools-nix-shell.nix).
    nix-shell-basic = nixShell "nix-shell-basic" { drv = pkgs.hello; };
    nix-shell-hook = nixShell "nix-shell-hook" {
      drv = pkgs.mkShell {
        shellHook = ''
          echo "This is the shell hook!"
          exit
        '';
      };
    };
    nix-shell-inputs = nixShell "nix-shell-inputs" {
      drv = pkgs.mkShell { nativeBuildInputs = [ pkgs.hello ]; };
      command = ''
        hello
      '';
    };
    nix-shell-pass-as-file = nixShell "nix-shell-pass-as-file" {
      drv = pkgs.mkShell {
        str = "this is a string";
        passAsFile = [ "str" ];
      };
      command = ''
        cat "$strPath"
      '';
    };
    nix-shell-run = nixShell "nix-shell-run" {
      drv = pkgs.mkShell { };
      run = ''
        case "$-" in
        *i*) echo This shell is interactive ;;
        *) echo This shell is not interactive ;;
        esac
      '';
    };
    nix-shell-command = nixShell "nix-shell-command" {
      drv = pkgs.mkShell { };
      command = ''
        case "$-" in
        *i*) echo This shell is interactive ;;
        *) echo This shell is not interactive ;;
        esac
      '';
    };
    nix-shell-writable-home = nixShell "nix-shell-writable-home" {
      drv = pkgs.mkShell { };
      run = ''
        if [[ "$HOME" != "$(eval "echo ~$(whoami)")" ]]; then
          echo "\$HOME ($HOME) is not the same as ~\$(whoami) ($(eval "echo ~$(whoami)"))"
          exit 1
        fi
        if ! touch $HOME/test-file; then
          echo "home directory is not writable"
          exit 1
        fi
        echo "home directory is writable"
      '';
    };
    nix-shell-nonexistent-home = nixShell "nix-shell-nonexistent-home" {
      drv = pkgs.mkShell { };
      homeDirectory = "/homeless-shelter";
      run = ''
        if [[ "$HOME" != "$(eval "echo ~$(whoami)")" ]]; then
          echo "\$HOME ($HOME) is not the same as ~\$(whoami) ($(eval "echo ~$(whoami)"))"
          exit 1
        fi
        if -e $HOME; then
          echo "home directory exists"
          exit 1
        fi
        echo "home directory doesn't exist"
      '';
    };
    nix-shell-build-derivation = nixShell "nix-shell-build-derivation" {
      drv = pkgs.hello;
      run = ''
        buildDerivation
        $out/bin/hello
      '';
    };
  };
in
examples
