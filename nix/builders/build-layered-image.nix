# buildLayeredImage: the image as a (compressed) docker-archive file.
{
  arguments,
  layeredImage,
  plan,
  finish,
  archiveFile,
  compressors,
  args,
  override,
  streamLayeredImage,
}:
let
  inherit (builtins) attrNames removeAttrs;
  who = "buildLayeredImage";
  spec = arguments.layered // {
    compressor = compressors.argument;
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
      image = layeredImage a;
      planned = plan who image;
      drv = archiveFile {
        inherit who;
        name = planned.baseName;
        inherit planned;
        inherit (a) compressor;
      };
    in
    finish image planned drv {
      # The same image as a stream (the same plan, so the same tag), as nixpkgs' passthru.stream.
      stream = streamLayeredImage (removeAttrs userArgs [ "compressor" ]);
    }
  )
