# A flake that consumes stowage as a user's flake would: images in `packages`
# for two systems, which `nix flake show` and `nix flake check --all-systems`
# evaluate without building anything (no import from derivation). Nix 2.8
# refuses relative path inputs, so the test passes the checkout with
# --override-input.
{
  inputs.stowage.url = "path:/stowage-checkout-given-by-override-input";

  outputs =
    { self, stowage }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      imagesFor =
        system:
        let
          dockerTools = stowage.lib.mkDockerTools { inherit system; };
          greeting = builtins.derivation {
            name = "greeting";
            inherit system;
            builder = "/bin/sh";
            args = [ "-c" "/bin/mkdir -p $out/etc && echo hello-from-a-consumer-flake > $out/etc/greeting" ];
          };
          args = {
            name = "consumer";
            tag = "latest";
            contents = [ greeting ];
          };
        in
        {
          default = dockerTools.buildLayeredImage (args // { compressor = "none"; });
          stream = dockerTools.streamLayeredImage (args // { tag = "stream"; });
          base = dockerTools.buildImage {
            name = "consumer-base";
            tag = "latest";
            copyToRoot = [ greeting ];
          };
        };
    in
    {
      packages = builtins.listToAttrs (
        map (system: {
          name = system;
          value = imagesFor system;
        }) systems
      );
    };
}
