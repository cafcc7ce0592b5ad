# A flake that consumes stowage as a user's flake would. Nix 2.8 refuses relative
# path inputs, so the test passes the checkout with --override-input.
{
  inputs.stowage.url = "path:/stowage-checkout-given-by-override-input";

  outputs =
    { self, stowage }:
    let
      system = "x86_64-linux";
      dockerTools = stowage.lib.mkDockerTools { inherit system; };
      greeting = builtins.derivation {
        name = "greeting";
        inherit system;
        builder = "/bin/sh";
        args = [ "-c" "/bin/mkdir -p $out/etc && echo hello-from-a-consumer-flake > $out/etc/greeting" ];
      };
    in
    {
      packages.${system}.default = dockerTools.buildLayeredImage {
        name = "consumer";
        tag = "latest";
        compressor = "none";
        contents = [ greeting ];
      };
    };
}
