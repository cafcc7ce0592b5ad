# streamLayeredImage: an executable that writes the image to stdout.
{
  layered,
  args,
  step,
  tools,
  override,
}:
let
  who = "streamLayeredImage";

  # The stream program itself, as nixpkgs' passthru.streamScript: `streamScript conf`.
  streamScript = step.run {
    name = "stream";
    command = "write-launcher";
    request = {
      version = 1;
      inherit (tools) python;
      source = "${step.source}";
      module = "stowage.cli.stream";
      args = [ ];
    };
  };
in
override.overridable
  {
    inherit who;
    names = builtins.attrNames layered.spec;
  }
  (
    userArgs:
    let
      a = args.parse who layered.spec userArgs;
      planned = layered.plan who a { };
      drv = step.run {
        name = "stream-${planned.baseName}";
        command = "write-launcher";
        request = {
          version = 1;
          inherit (tools) python;
          source = "${step.source}";
          module = "stowage.cli.stream";
          args = [
            "--plan"
            "${planned.conf}/plan.json"
          ];
        };
      };
    in
    layered.finish a planned drv {
      isExe = true;
      inherit streamScript;
    }
  )
