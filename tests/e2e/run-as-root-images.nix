# Images of runAsRoot and enableFakechroot, written as nixpkgs' docker-tools test
# and examples write them (busybox stands in for bash and coreutils), in the mode
# of ./mode.nix.
{
  mode ? import ./mode.nix { },
  stowage ? mode.stowage,
  packages ? mode.packages,
}:
let
  inherit (packages) busybox;
  # A store path name that no store holds: it exists only in an image's layers.
  baseOnly = "00000000000000000000000000000000-stowage-base-only";

  # A bash-like base image (nixpkgs' examples.bash): a shell and its tools.
  bash = stowage.buildImage {
    name = "rar-bash";
    tag = "latest";
    copyToRoot = [ busybox ];
    extraCommands = "mkdir -p etc; echo x > etc/somefile; echo keep > etc/other";
  };

  # nixpkgs' layersUnpackOrder: each layer appends its letter before the next one runs.
  orderA = stowage.buildImage {
    name = "rar-order-a";
    tag = "latest";
    copyToRoot = [ busybox ];
    runAsRoot = ''
      #!${busybox}/bin/sh
      echo -n "a" >> /layer-order
    '';
  };
  orderB = stowage.buildImage {
    name = "rar-order-b";
    tag = "latest";
    fromImage = orderA;
    runAsRoot = ''
      #!${busybox}/bin/sh
      echo -n "b" >> /layer-order
    '';
  };
in
{
  inherit bash orderA orderB;

  data = stowage.buildImage {
    name = "rar-data";
    tag = "latest";
    copyToRoot = [ busybox ];
    runAsRoot = "mkdir -p /data; echo hi > /data/x; chown 1000:1000 /data";
    config.Cmd = [ "/bin/sh" "-c" "stat -c '%u:%g' /data; cat /data/x" ];
    diskSize = 1024;
    buildVMMemorySize = 512;
  };

  orderC = stowage.buildImage {
    name = "rar-order-c";
    tag = "latest";
    fromImage = orderB;
    runAsRoot = ''
      #!${busybox}/bin/sh
      echo -n "c" >> /layer-order
    '';
  };

  # nixpkgs' runAsRootParentImage (PR #52109).
  parentImage = stowage.buildImage {
    name = "rar-parent";
    tag = "latest";
    fromImage = bash;
    runAsRoot = ''
      #!${busybox}/bin/sh
      touch /example-file
      rm /etc/somefile
      chmod 0600 /etc/other
      chown 7:8 /etc/other
    '';
  };

  # nixpkgs' examples.redis, its shape: a script written into the parent's /bin.
  redisLike = stowage.buildImage {
    name = "rar-redis";
    tag = "latest";
    fromImage = bash;
    runAsRoot = ''
      #!${busybox}/bin/sh
      ${stowage.shadowSetup}
      mkdir -p /data
      echo "redis:x:999:999::/data:/bin/sh" >> /etc/passwd
      chown 999:999 /data
      printf '#!/bin/sh\necho healthy\n' > /bin/healthcheck
      chmod +x /bin/healthcheck
    '';
    config = {
      Cmd = [ "/bin/healthcheck" ];
      WorkingDir = "/data";
      Volumes."/data" = { };
      Healthcheck.Test = [ "CMD" "/bin/healthcheck" ];
    };
  };

  # A parent whose files are in the store (a layered image): the store is the build's.
  onLayered = stowage.buildImage {
    name = "rar-on-layered";
    tag = "latest";
    fromImage = stowage.buildLayeredImage {
      name = "rar-layered-base";
      tag = "latest";
      contents = [ busybox ];
    };
    runAsRoot = "readlink /bin/busybox > /shell-target; /bin/sh -c true";
  };

  # A base with a store path that no store has (only its layers): the script runs it.
  onBaseOnlyStore = stowage.buildImage {
    name = "rar-on-base-only-store";
    tag = "latest";
    # A base made elsewhere (another machine's Nix): its one layer holds a store
    # path and a busybox (/bin/sh, /bin/cat). The library never writes into the store from the root
    # layer, so the archive is written by hand.
    fromImage = mode.script "rar-base-only-store.tar" ''
      mkdir -p root/bin root/nix/store/${baseOnly}/bin
      cp ${busybox}/bin/busybox root/bin/busybox
      ln -s busybox root/bin/sh
      ln -s busybox root/bin/cat
      printf '#!/bin/sh\necho "from the base store"\n' > root/nix/store/${baseOnly}/bin/greet
      chmod 555 root/nix/store/${baseOnly}/bin/greet
      cd root
      ${busybox}/bin/busybox tar -cf ../layer.tar bin nix
      cd ..
      diff_id=$(sha256sum layer.tar | cut -d' ' -f1)
      printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diff_id" > config.json
      printf '[{"Config":"config.json","RepoTags":["rar-base-only-store:latest"],"Layers":["layer.tar"]}]' > manifest.json
      ${busybox}/bin/busybox tar -cf $out manifest.json config.json layer.tar
    '';
    runAsRoot = "/nix/store/${baseOnly}/bin/greet > /greeting";
  };

  # The most common runAsRoot of nixpkgs: shadowSetup, then a group and a user
  # with a home (useradd and groupadd come from pkgs: nixpkgs mode only).
  users = stowage.buildImage {
    name = "rar-users";
    tag = "latest";
    copyToRoot = [ busybox ];
    runAsRoot = ''
      ${stowage.shadowSetup}
      groupadd -g 2000 builders
      useradd -u 2001 -g builders -m -d /home/alice -s /bin/sh alice
    '';
  };

  # nixpkgs' runAsRootExtraCommands (regression #34779, PR #40947).
  extraCommands = stowage.buildImage {
    name = "rar-extra-commands";
    tag = "latest";
    copyToRoot = [ busybox ];
    runAsRoot = ''echo "(runAsRoot)" > runAsRoot'';
    extraCommands = ''echo "(extraCommand)" > extraCommands'';
  };

  # A script that fails: the build fails, naming the status.
  failing = stowage.buildImage {
    name = "rar-failing";
    copyToRoot = [ busybox ];
    runAsRoot = "echo about to fail; exit 3";
  };

  # A script that makes a file named like a whiteout: refused, as from any other script.
  whiteoutMaker = stowage.buildImage {
    name = "rar-whiteout";
    copyToRoot = [ busybox ];
    runAsRoot = "mkdir -p /etc; touch /etc/.wh.passwd";
  };

  # nixpkgs' chownTestImage: a stream with enableFakechroot.
  chownStream = stowage.streamLayeredImage {
    name = "rar-chown-stream";
    tag = "latest";
    contents = [ busybox ];
    enableFakechroot = true;
    fakeRootCommands = ''
      touch /testfile
      chown 12345:12345 /testfile
    '';
    config.Cmd = [ "/bin/stat" "-c" "%u:%g" "/testfile" ];
  };
  chownLayered = stowage.buildLayeredImage {
    name = "rar-chown-layered";
    tag = "latest";
    contents = [ busybox ];
    enableFakechroot = true;
    fakeRootCommands = "mkdir -p /home/alice; chown 1000:1000 /home/alice";
  };
}
