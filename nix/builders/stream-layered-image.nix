# streamLayeredImage: an executable that writes the image to stdout.
{
  arguments,
  layeredImage,
  plan,
  finish,
  args,
  launch,
  override,
}:
let
  who = "streamLayeredImage";
  spec = arguments.layered;

  # An executable that runs the stream program with `args` before its own.
  streamLauncher =
    name: args:
    launch {
      inherit name args;
      module = "stowage.cli.stream";
    };

  # The stream program itself, as nixpkgs' passthru.streamScript: `streamScript conf`.
  streamScript = streamLauncher "stream" [ ];
in
override.overridable
  {
    inherit who;
    names = builtins.attrNames spec;
  }
  (
    userArgs:
    let
      a = args.parse who spec userArgs;
      image = layeredImage a;
      planned = plan who image;
      drv = streamLauncher "stream-${planned.baseName}" [
        "--plan"
        "${planned.conf}/plan.json"
      ];
    in
    finish image planned drv {
      isExe = true;
      inherit streamScript;
    }
  )
