# streamLayeredImage: an executable that writes the image to stdout.
# `who` is buildLayeredImage for its passthru.stream: the same plan (so the same
# tag), whose steps name the builder the user called.
{
  layered,
  args,
  step,
  tools,
  override,
  who ? "streamLayeredImage",
}:
let

  # An executable that runs the stream program with `args` before its own.
  streamLauncher =
    name: args:
    step.run {
      inherit who name;
      command = "write-launcher";
      request = {
        version = 2;
        inherit (tools) python;
        source = "${step.source}";
        module = "stowage.cli.stream";
        inherit args;
      };
    };

  # The stream program itself, as nixpkgs' passthru.streamScript: `streamScript conf`.
  streamScript = streamLauncher "stream" [ ];
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
      drv = streamLauncher "stream-${planned.baseName}" [
        "--plan"
        "${planned.conf}/plan.json"
      ];
    in
    layered.finish a planned drv {
      isExe = true;
      inherit streamScript;
    }
  )
