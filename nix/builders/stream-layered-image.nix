# streamLayeredImage: an executable that writes the image to stdout.
# `who` is the builder whose image it streams when another builder makes it (the
# passthru.stream of buildLayeredImage, the nix-shell images): the steps of its
# plan name that builder.
{
  arguments,
  layeredImage,
  plan,
  finish,
  args,
  launch,
  override,
  who ? "streamLayeredImage",
}:
let
  spec = arguments.layered;

  # An executable that runs the stream program with `args` before its own.
  streamLauncher =
    name: args:
    launch {
      inherit who name args;
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
