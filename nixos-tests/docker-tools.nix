# nixpkgs' NixOS test nixos/tests/docker-tools.nix, against this library: the
# images of examples.nix and test-images.nix, built in nixpkgs mode, are loaded
# and run by Docker and by podman on one NixOS machine, case by case
# (docker_tools_cases.py, the list tests/nixos/test_docker_tools.py runs on a
# plain host). Needs nixpkgs and KVM:
#   nix-build nixos-tests/docker-tools.nix -I nixpkgs=/path/to/nixpkgs
{
  pkgs ? import <nixpkgs> { },
}:
let
  inherit (builtins)
    attrNames
    elem
    filter
    map
    toJSON
    ;
  dockerTools = import ../. { inherit pkgs; };
  examples = import ./examples.nix { inherit pkgs dockerTools; };
  testImages = import ./test-images.nix { inherit pkgs dockerTools; };

  # Examples no case of this test uses (nixpkgs' docker-tools-nix-shell test has
  # the nix-shell ones), and those of the deselected cases below.
  unused = [
    "editors"
    "nginxStream"
    "runAsRootParentImage"
    "nix-layered"
    "nixFromDockerHub"
    "testNixFromDockerHub"
    "onTopOfPulledImage"
  ];
  isNixShell = name: builtins.match "nix-shell-.*" name != null;
  wanted =
    map (name: "examples.${name}") (
      filter (name: !elem name unused && !isNixShell name) (attrNames examples)
    )
    ++ attrNames testImages;

  inherit (import ./values.nix { inherit pkgs examples testImages wanted; }) values;
  valuesFile = pkgs.writeText "docker-tools-values.json" (toJSON values);
  casesDir = builtins.path {
    name = "docker-tools-cases";
    path = ./.;
    filter = path: type: builtins.match "docker_tools_.*[.]py" (baseNameOf path) != null;
  };
in
pkgs.testers.runNixOSTest {
  name = "stowage-docker-tools";
  nodes.machine = {
    virtualisation = {
      diskSize = 8192;
      memorySize = 2048;
      docker.enable = true;
      podman.enable = true;
    };
    environment.systemPackages = [
      pkgs.curl
      pkgs.gnutar
      pkgs.zstd
    ];
  };
  # The script imports docker_tools_*.py, which the type checker cannot see.
  skipTypeCheck = true;
  testScript = ''
    import json
    import sys

    sys.path.insert(0, "${casesDir}")
    import docker_tools_cases as cases
    import docker_tools_run as runner

    # Case number -> why it cannot pass here.
    DESELECTED = {
        8: "nixpkgs' pullImage hash is of skopeo's archive layout; this library writes its own (README: Migrating pullImage hashes)",
        10: "its base is that pullImage",
    }
    ENGINES = (
        runner.Engine("docker", "docker run --rm", "docker load --input={file}", publish=True),
        runner.Engine("podman", "podman run --rm", "podman load --input={file}", publish=True),
    )

    with open("${valuesFile}") as values_file:
        values = json.load(values_file)

    machine.wait_for_unit("sockets.target")
    for engine in ENGINES:
        for case in cases.CASES:
            if case.number in DESELECTED:
                print(f"deselected: {case.number} {case.name}: {DESELECTED[case.number]}")
                continue
            with subtest(f"{engine.name}: {case.number} {case.name}"):
                runner.run_case(case, machine, engine, values)
                for ref in runner.image_refs(case, values):
                    machine.execute(f"{engine.name} rmi --force {ref}")
  '';
}
