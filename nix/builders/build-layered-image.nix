# buildLayeredImage: the image as a (compressed) docker-archive file.
{ layered, args, step }:
let
  who = "buildLayeredImage";
  spec = layered.spec // {
    compressor = layered.compressorArg;
  };
in
userArgs:
let
  a = args.parse who spec userArgs;
  planned = layered.plan who a { };
  drv = step.run {
    name = "${planned.baseName}.tar${layered.extensions.${a.compressor}}";
    command = "build-layered-image";
    request = layered.compressRequest planned a.compressor;
  };
in
layered.finish a planned drv { }
