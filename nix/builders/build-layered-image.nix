# buildLayeredImage: the image as a (compressed) docker-archive file.
{ layered, args, step, validate, errors }:
let
  who = "buildLayeredImage";
  extensions = {
    none = "";
    gz = ".gz";
  };
  spec = layered.spec // {
    compressor = {
      default = "gz";
      check =
        v:
        if builtins.isString v && extensions ? ${v} then
          null
        else
          errors.problem "must be one of \"none\", \"gz\"" "Use compressor = \"gz\" (the default) or \"none\"";
    };
  };
  streamArgs = a: builtins.removeAttrs a [ "compressor" ];
in
userArgs:
let
  a = args.parse who spec userArgs;
  planned = layered.plan who a;
  drv = step.run {
    name = "${planned.baseName}.tar${extensions.${a.compressor}}";
    command = "build-layered-image";
    request = {
      version = 1;
      plan = "${planned.conf}";
      inherit (a) compressor;
    };
  };
in
layered.finish a planned drv { }
