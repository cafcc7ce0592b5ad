# buildLayeredImage: the image as a (compressed) docker-archive file.
{
  layered,
  args,
  step,
  override,
  streamLayeredImage,
}:
let
  inherit (builtins) attrNames removeAttrs;
  who = "buildLayeredImage";
  spec = layered.spec // {
    compressor = layered.compressorArg;
  };
in
override.overridable
  {
    inherit who;
    names = attrNames spec;
  }
  (
    userArgs:
    let
      a = args.parse who spec userArgs;
      planned = layered.plan who a { };
      drv = step.run {
        inherit who;
        name = "${planned.baseName}.tar${layered.extensions.${a.compressor}}";
        command = "build-layered-image";
        request = layered.compressRequest planned a.compressor;
      };
    in
    layered.finish a planned drv {
      # The same image as a stream (the same plan, so the same tag), as nixpkgs' passthru.stream.
      stream = streamLayeredImage (removeAttrs userArgs [ "compressor" ]);
    }
  )
