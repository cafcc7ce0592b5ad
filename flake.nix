{
  description = "stowage: Docker and OCI images from Nix store paths, a drop-in successor of dockerTools";

  # No inputs: the library works with any nixpkgs, or none.
  outputs =
    { self }:
    let
      linuxSystems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forEach =
        names: f:
        builtins.listToAttrs (
          map (name: {
            inherit name;
            value = f name;
          }) names
        );

      # The example images, in host mode (the builder's own python3; sandbox off).
      examplesFor =
        system:
        let
          stowage = self.lib.mkDockerTools {
            inherit system;
            localSystem = system;
          };
          packages = import ./examples/packages.nix { localSystem = system; };
        in
        {
          # No import from derivation (the default): the outputs evaluate for every system.
          hello = import ./examples/hello.nix { inherit stowage packages; };
          hello-stream = import ./examples/hello-stream.nix { inherit stowage packages; };
        };

      # nixpkgs' prefetcher for pullImage, run by the builder's own python3.
      prefetcherFor = system: (self.lib.mkDockerTools { inherit system; }).nix-prefetch-docker;
    in
    {
      lib.mkDockerTools =
        {
          pkgs ? null,
          system ? if pkgs == null then throw "mkDockerTools: system is required without pkgs (flakes evaluate purely, so builtins.currentSystem is not available); got nothing. Pass e.g. system = \"x86_64-linux\"." else pkgs.stdenv.hostPlatform.system,
          localSystem ? if pkgs == null then system else pkgs.stdenv.buildPlatform.system,
        }:
        import ./default.nix { inherit pkgs system localSystem; };

      overlays.default = final: prev: { stowage = import ./default.nix { pkgs = final; }; };

      packages = forEach linuxSystems (system: examplesFor system // { nix-prefetch-docker = prefetcherFor system; });
      # nix run .#nix-prefetch-docker -- IMAGE TAG
      apps = forEach linuxSystems (system: {
        nix-prefetch-docker = {
          type = "app";
          program = "${prefetcherFor system}/bin/nix-prefetch-docker";
        };
      });
      checks = forEach linuxSystems examplesFor;
    };
}
