"""The subtests of nixpkgs' nixos/tests/docker-tools.nix, as data.

CASES is the one list: each case names the images it needs and the steps
(docker_tools_steps.py) that load them into a container engine, run them, and
check what comes out; docker_tools_run.py runs them. Two runners use it:
nixos-tests/docker-tools.nix (Docker and podman in a NixOS VM) and
tests/nixos/test_docker_tools.py (this machine's Docker and podman). Standard
library only: the NixOS test driver imports these files as they are.

In a step, `${key}` is a value of nixos-tests/values.nix: an image's store path
(`${examples.bash}`), its `${examples.bash.imageName}` and `.imageTag`, a package
path (`${pkgs.nix}`); `{engine}` is the engine's program (docker or podman).
"""

from __future__ import annotations

from docker_tools_steps import (
    Case,
    ConfigEnvUnique,
    EnvHas,
    Inspect,
    LayerCount,
    Load,
    NoStoreInExport,
    Remove,
    Run,
    Serve,
    SharedLayers,
    Shell,
    Step,
)

UNIX_TIME_SECOND1 = "1970-01-01T00:00:01Z"


def _image_steps(key: str, *, stream: bool = False) -> tuple[Step, ...]:
    """Load an image without a tag and find it by its imageTag (subtest 3)."""
    return (
        Load(f"${{{key}}}", stream=stream),
        Shell("{engine} images --format '{{.Tag}}'", contains=f"${{{key}.imageTag}}"),
        Remove(f"${{{key}.imageName}}:${{{key}.imageTag}}"),
    )


def _env_case(number: int, name: str, key: str) -> Case:
    return Case(number, name, (key,), (
        Load(f"${{{key}}}"),
        EnvHas(f"${{{key}.imageName}}", ("FROM_PARENT=true", "FROM_CHILD=true", "LAST_LAYER=child")),
    ))


HELLO_ROOT = ("examples.helloOnRoot", "examples.helloOnRootNoStore", "examples.helloOnRootNoStoreFakechroot")
MOUNTED_STORE = "--volume ${builtins.storeDir}:${builtins.storeDir}:ro"
NIX_DAEMON_LINK = "${pkgs.bash}/bin/bash -c 'test nix == $(readlink ${pkgs.nix}/bin/nix-daemon)'"
FAKE_ROOT = "examples.layeredImageWithFakeRootCommands"
ALICE_IS_1000 = "sh -c 'stat -c %u /home/alice'"

CASES: tuple[Case, ...] = (
    Case(1, "includeStorePath", HELLO_ROOT, (
        Load("${examples.helloOnRoot}", stream=True),
        Run("hello", contains="Hello"),
        Remove("hello:latest"),
        Load("${examples.helloOnRootNoStore}", stream=True),
        Run("hello", fails=True),
        NoStoreInExport("hello"),
        Run("hello", options=MOUNTED_STORE, contains="Hello"),
        Remove("hello:latest"),
        Load("${examples.helloOnRootNoStoreFakechroot}", stream=True),
        Run("hello", fails=True),
        NoStoreInExport("hello"),
        Run("hello", options=MOUNTED_STORE, contains="Hello"),
        Remove("hello:latest"),
    )),
    Case(2, "stable-date", ("examples.bash",), (
        Load("${examples.bash}"),
        Inspect("${examples.bash.imageName}", "Created", contains=UNIX_TIME_SECOND1),
        Run("${examples.bash.imageName}", "bash --version", contains="GNU bash"),
        Shell("{engine} images --format '{{.Tag}}'", contains="${examples.bash.imageTag}"),
        Remove("${examples.bash.imageName}"),
    )),
    Case(3, "imageTag-matches", ("examples.bashNoTag", "examples.bashNoTagLayered",
                                 "examples.bashNoTagStreamLayered", "examples.nixLayered"), (
        *_image_steps("examples.bashNoTag"),
        *_image_steps("examples.bashNoTagLayered"),
        *_image_steps("examples.bashNoTagStreamLayered", stream=True),
        *_image_steps("examples.nixLayered"),
    )),
    Case(4, "compressors", ("examples.bashZstdCompressed", "examples.bashUncompressed",
                            "examples.bashLayeredUncompressed", "examples.bashLayeredZstdCompressed"), (
        Load("${examples.bashZstdCompressed}"),
        Load("${examples.bashUncompressed}"),
        Load("${examples.bashLayeredUncompressed}"),
        Load("${examples.bashLayeredZstdCompressed}"),
        Run("bash-zstd:latest", "bash --version", contains="GNU bash"),
        Run("bash-layered-zstd:latest", "bash --version", contains="GNU bash"),
    )),
    Case(5, "nix-store-initialised", ("examples.nix",), (
        Load("${examples.nix}"),
        Run("${examples.nix.imageName}", "nix-store -qR ${pkgs.nix}", contains="${pkgs.nix}"),
        Remove("${examples.nix.imageName}"),
    )),
    Case(6, "layered-store-permissions-non-root", ("examples.bashLayeredWithUser",), (
        Load("${examples.bashLayeredWithUser}"),
        Run("${examples.bashLayeredWithUser.imageName}", options="-u somebody", command=(
            "${pkgs.bash}/bin/bash -c 'test 755 == $(stat --format=%a /nix) && test 755 == $(stat --format=%a /nix/store)'")),
        Remove("${examples.bashLayeredWithUser.imageName}"),
    )),
    Case(7, "nix-symlinks-intact", ("examples.nix", "examples.nixLayered"), (
        Load("${examples.nix}"),
        Run("${examples.nix.imageName}", NIX_DAEMON_LINK),
        Remove("${examples.nix.imageName}"),
        Load("${examples.nixLayered}"),
        Run("${examples.nixLayered.imageName}", NIX_DAEMON_LINK),
        Remove("${examples.nixLayered.imageName}"),
    )),
    Case(8, "pullImage", ("examples.testNixFromDockerHub",), (
        Load("${examples.testNixFromDockerHub}"),
        Run("nix:2.2.1", "nix-store --version"),
        Remove("nix:2.2.1"),
    )),
    Case(9, "runAsRoot-and-entry-point", ("examples.nginx",), (
        Load("${examples.nginx}"),
        Serve("${examples.nginx.imageName}", 80, contains="Hello from NGINX"),
        Remove("${examples.nginx.imageName}"),
    )),
    Case(10, "pulled-image-as-base", ("examples.onTopOfPulledImage",), (
        Load("${examples.onTopOfPulledImage}"),
        Run("ontopofpulledimage", "hello"),
        Remove("ontopofpulledimage"),
    )),
    Case(11, "runAsRoot-extraCommands-quoting", ("examples.runAsRootExtraCommands",), (
        Load("${examples.runAsRootExtraCommands}"),
        Run("runasrootextracommands", "cat extraCommands", equals="(extraCommand)"),
        Run("runasrootextracommands", "cat runAsRoot", equals="(runAsRoot)"),
        Remove("${examples.runAsRootExtraCommands.imageName}"),
    )),
    Case(12, "unstable-date", ("examples.unstableDate", "examples.unstableDateLayered"), (
        Load("${examples.unstableDate}"),
        Inspect("${examples.unstableDate.imageName}", "Created", absent=UNIX_TIME_SECOND1),
        Load("${examples.unstableDateLayered}"),
        Inspect("${examples.unstableDateLayered.imageName}", "Created", absent=UNIX_TIME_SECOND1),
    )),
    Case(13, "layered-image", ("examples.layered-image",), (
        Load("${examples.layered-image}"),
        Run("${examples.layered-image.imageName}", contains="Hello"),
        Run("${examples.layered-image.imageName}", "cat extraCommands", equals="(extraCommand)"),
    )),
    Case(14, "buildImage-on-layered", ("examples.layered-on-top",), (
        Load("${examples.layered-on-top}"),
        Run("${examples.layered-on-top.imageName}", equals="hello"),
    )),
    Case(15, "layered-on-layered", ("examples.layered-on-top-layered",), (
        Load("${examples.layered-on-top-layered}"),
        Run("${examples.layered-on-top-layered.imageName}", equals="hello"),
    )),
    Case(16, "layers-shared", ("examples.layered-image", "examples.another-layered-image"), (
        Load("${examples.layered-image}"),
        Load("${examples.another-layered-image}"),
        SharedLayers("${examples.layered-image.imageName}", "${examples.another-layered-image.imageName}"),
    )),
    Case(17, "layer-order", ("examples.layersOrder",), (
        Load("${examples.layersOrder}"),
        Run("${examples.layersOrder.imageName}", "cat /tmp/layer1", equals="layer1"),
        Run("${examples.layersOrder.imageName}", "cat /tmp/layer2", equals="layer2"),
        Run("${examples.layersOrder.imageName}", "cat /tmp/layer3", equals="layer3"),
    )),
    Case(18, "layers-unpacked-before-runAsRoot", ("examples.layersUnpackOrder",), (
        Load("${examples.layersUnpackOrder}"),
        Run("${examples.layersUnpackOrder.imageName}", "cat /layer-order", equals="abc"),
    )),
    Case(19, "repeated-base-layers", ("repeatedLayerTestImage",), (
        Load("${repeatedLayerTestImage}"),
        Run("${repeatedLayerTestImage.imageName}", "/bin/bash -c 'exit 0'"),
    )),
    _env_case(20, "env-inherited", "examples.environmentVariables"),
    _env_case(21, "env-inherited-layered", "examples.environmentVariablesLayered"),
    Case(22, "env-resolved-in-config", ("examples.environmentVariablesLayered",), (
        ConfigEnvUnique("${examples.environmentVariablesLayered}", "LAST_LAYER"),
    )),
    Case(23, "two-layers", ("examples.two-layered-image",), (
        Load("${examples.two-layered-image}"),
        LayerCount("${examples.two-layered-image.imageName}", 2),
    )),
    Case(24, "bulk-layer-keeps-paths", ("examples.bulk-layer",), (
        Load("${examples.bulk-layer}"),
        Run("bulk-layer", "ls /bin/hello", equals="/bin/hello"),
    )),
    Case(25, "bulk-layer-with-base-respects-maxLayers", ("examples.layered-bulk-layer",), (
        Load("${examples.layered-bulk-layer}"),
        Run("layered-bulk-layer", "ls /bin/hello", equals="/bin/hello"),
        LayerCount("layered-bulk-layer", 4),
    )),
    Case(26, "minimal-store-paths", ("examples.no-store-paths",), (
        Load("${examples.no-store-paths}"),
        Run("no-store-paths", "ls /", contains="bin"),
        Run("no-store-paths", "ls /nix/store", equals="${pkgs.pkgsStatic.busybox.baseName}"),
    )),
    Case(27, "store-contents-unchanged", ("examples.filesInStore",), (
        Load("${examples.filesInStore}"),
        Run("file-in-store", "nix-store --verify --check-contents"),
        Run("file-in-store", contains="some data"),
    )),
    Case(28, "cross-architecture", ("examples.cross",), (
        Load("${examples.cross}"),
        Inspect("${examples.cross.imageName}", "Architecture", equals="arm64"),
    )),
    Case(29, "store-symlink-not-dereferenced", ("examples.layeredStoreSymlink",), (
        Load("${examples.layeredStoreSymlink}"),
        Run("${examples.layeredStoreSymlink.imageName}",
            "bash -c 'test -L ${examples.layeredStoreSymlink.passthru.symlink}'"),
        Remove("${examples.layeredStoreSymlink.imageName}"),
    )),
    Case(30, "registry-prefix", ("examples.prefixedImage", "examples.prefixedLayeredImage"), (
        Load("${examples.prefixedImage}"),
        Shell("{engine} images --format '{{.Repository}}'", contains="${examples.prefixedImage.imageName}"),
        Load("${examples.prefixedLayeredImage}"),
        Shell("{engine} images --format '{{.Repository}}'", contains="${examples.prefixedLayeredImage.imageName}"),
    )),
    Case(31, "fakeRootCommands-chown", (FAKE_ROOT,), (
        Load(f"${{{FAKE_ROOT}}}"),
        Run(f"${{{FAKE_ROOT}.imageName}}", ALICE_IS_1000, equals="1000"),
    )),
    Case(32, "mergeImages", ("examples.mergedBashAndRedis", "examples.bash", "examples.redis"), (
        Load("${examples.mergedBashAndRedis}"),
        Shell("{engine} images --format '{{.Repository}}-{{.Tag}}'",
              contains="${examples.bash.imageName}-${examples.bash.imageTag}"),
        Shell("{engine} images --format '{{.Repository}}-{{.Tag}}'",
              contains="${examples.redis.imageName}-${examples.redis.imageTag}"),
        Run("${examples.bash.imageName}", "bash --version", contains="GNU bash"),
        Run("${examples.redis.imageName}", "redis-cli --version", contains="redis-cli"),
        Remove("${examples.bash.imageName}"),
        Remove("${examples.redis.imageName}"),
    )),
    Case(33, "mergeImages-missing-tags", ("examples.mergedBashNoTagAndRedis", "examples.bashNoTag", "examples.redis"), (
        Load("${examples.mergedBashNoTagAndRedis}"),
        Shell("{engine} images --format '{{.Repository}}-{{.Tag}}'",
              contains="${examples.bashNoTag.imageName}-${examples.bashNoTag.imageTag}"),
        Shell("{engine} images --format '{{.Repository}}-{{.Tag}}'",
              contains="${examples.redis.imageName}-${examples.redis.imageTag}"),
        Run("${examples.bashNoTag.imageName}:${examples.bashNoTag.imageTag}", "bash --version", contains="GNU bash"),
        Run("${examples.redis.imageName}", "redis-cli --version", contains="redis-cli"),
        Remove("${examples.bashNoTag.imageName}:${examples.bashNoTag.imageTag}"),
        Remove("${examples.redis.imageName}"),
    )),
    Case(34, "mergeImages-keeps-owners", ("examples.mergedBashFakeRoot", FAKE_ROOT, "examples.bash"), (
        Load("${examples.mergedBashFakeRoot}"),
        Run(f"${{{FAKE_ROOT}.imageName}}", ALICE_IS_1000, equals="1000"),
    )),
    Case(35, "fakeRootCommands-store-references", (FAKE_ROOT,), (
        Load(f"${{{FAKE_ROOT}}}"),
        Run(f"${{{FAKE_ROOT}.imageName}}", "/hello/bin/layeredImageWithFakeRootCommands-hello", contains="Hello"),
    )),
    Case(36, "mergeImages-mixed-compressors", ("examples.mergeVaryingCompressor", "examples.redis",
                                               "examples.bashUncompressed", "examples.bashZstdCompressed"), (
        Load("${examples.mergeVaryingCompressor}"),
        Shell("{engine} images --format '{{.Repository}}-{{.Tag}}'",
              contains="${examples.redis.imageName}-${examples.redis.imageTag}"),
        Shell("{engine} images --format '{{.Repository}}-{{.Tag}}'",
              contains="${examples.bashUncompressed.imageName}-${examples.bashUncompressed.imageTag}"),
        Shell("{engine} images --format '{{.Repository}}-{{.Tag}}'",
              contains="${examples.bashZstdCompressed.imageName}-${examples.bashZstdCompressed.imageTag}"),
    )),
    Case(37, "exportImage", ("examples.exportBash",), (
        Shell("tar -tf ${examples.exportBash}", contains="./bin/bash"),
    )),
    Case(38, "fakechroot", ("examples.imageViaFakeChroot",), (
        Load("${examples.imageViaFakeChroot}", stream=True),
        Run("image-via-fake-chroot", contains="Hello"),
        Remove("image-via-fake-chroot:latest"),
    )),
    Case(39, "bare-paths-in-contents", ("examples.build-image-with-path", "examples.layered-image-with-path"), (
        Load("${examples.build-image-with-path}"),
        Run("build-image-with-path", "bash -c '[[ -e /hello.txt ]]'"),
        Remove("build-image-with-path"),
        Load("${examples.layered-image-with-path}", stream=True),
        Run("layered-image-with-path", "bash -c '[[ -e /hello.txt ]]'"),
        Remove("layered-image-with-path"),
    )),
    Case(40, "architecture-in-config", ("examples.build-image-with-architecture",
                                        "examples.layered-image-with-architecture"), (
        Load("${examples.build-image-with-architecture}"),
        Inspect("build-image-with-architecture", "Architecture", equals="arm64"),
        Remove("build-image-with-architecture"),
        Load("${examples.layered-image-with-architecture}", stream=True),
        Inspect("layered-image-with-architecture", "Architecture", equals="arm64"),
        Remove("layered-image-with-architecture"),
    )),
    Case(41, "etc", ("examples.etc",), (
        Load("${examples.etc}", stream=True),
        Run("etc", contains="localhost"),
        Remove("etc:latest"),
    )),
    Case(42, "image-with-certs", ("examples.image-with-certs",), (
        Load("${examples.image-with-certs}"),
        Run("image-with-certs:latest", "test -r /etc/ssl/certs/ca-bundle.crt"),
        Run("image-with-certs:latest", "test -r /etc/ssl/certs/ca-certificates.crt"),
        Run("image-with-certs:latest", "test -r /etc/pki/tls/certs/ca-bundle.crt"),
        Remove("image-with-certs:latest"),
    )),
    Case(43, "streamLayeredImage-chown-persists", ("chownTestImage",), (
        Load("${chownTestImage}", stream=True),
        Run("${chownTestImage.imageName}", equals="12345:12345"),
    )),
    # nixpkgs' subtest runs chown-test here, not non-root-test; so does this one.
    Case(44, "streamLayeredImage-non-root-user", ("nonRootTestImage", "chownTestImage"), (
        Load("${nonRootTestImage}", stream=True),
        Load("${chownTestImage}", stream=True),
        Run("${chownTestImage.imageName}", equals="12345:12345"),
    )),
)
