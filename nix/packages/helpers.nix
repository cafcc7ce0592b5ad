# Store paths for `contents`/`copyToRoot` that most images want: /bin/sh,
# /usr/bin/env, users and groups, CA certificates; and shadowSetup, a string of
# shell for fakeRootCommands.
{ step, tools }:
let
  inherit (builtins) concatStringsSep;

  tree =
    who: name: entries:
    step.run {
      inherit who name;
      command = "write-tree";
      request = {
        version = 2;
        inherit entries;
      };
    };

  # A file from the tools: a copy of a host file, or a symlink into pkgs.
  file = path: source: source // { inherit path; };

  # In host mode the binary is copied next to its link; with pkgs it is a symlink.
  program =
    name: linkPath: source:
    if source ? copy then
      [
        (file "bin/busybox" source)
        {
          path = linkPath;
          symlink = if linkPath == "bin/sh" then "busybox" else "../../bin/busybox";
        }
      ]
    else
      [ (file linkPath source) ];

  mkFakeNss =
    {
      extraPasswdLines ? [ ],
      extraGroupLines ? [ ],
    }@args:
    let
      lines = ls: concatStringsSep "\n" ls + "\n";
      drv = tree "fakeNss" "fake-nss" [
        {
          path = "etc/passwd";
          text = lines (
            [ "root:x:0:0:root user:/var/empty:/bin/sh" ]
            ++ extraPasswdLines
            ++ [ "nobody:x:65534:65534:nobody:/var/empty:/bin/sh" ]
          );
        }
        {
          path = "etc/group";
          text = lines ([ "root:x:0:" ] ++ extraGroupLines ++ [ "nobody:x:65534:" ]);
        }
        {
          path = "etc/nsswitch.conf";
          text = "hosts: files dns\n";
        }
        {
          path = "var/empty";
          directory = true;
        }
      ];
    in
    drv // { override = newArgs: mkFakeNss (args // newArgs); };
in
{
  binSh = tree "binSh" "bin-sh" (program "sh" "bin/sh" tools.files.sh);

  usrBinEnv = tree "usrBinEnv" "usr-bin-env" (program "env" "usr/bin/env" tools.files.env);

  fakeNss = mkFakeNss { };

  caCertificates = tree "caCertificates" "ca-certificates" [
    (file "etc/ssl/certs/ca-bundle.crt" tools.files.caBundle)
    (file "etc/ssl/certs/ca-certificates.crt" tools.files.caBundle)
    (file "etc/pki/tls/certs/ca-bundle.crt" tools.files.caBundle)
  ];

  # Shell for fakeRootCommands and runAsRoot (whose working directory is /): minimal
  # shadow files, each only when missing; with pkgs, shadow's tools (useradd) on PATH.
  shadowSetup =
    (if tools.shadow == null then "" else "export PATH=${tools.shadow}/bin:$PATH\n")
    + ''
    mkdir -p etc/pam.d
    if [ ! -f etc/passwd ]; then echo "root:x:0:0::/root:/bin/sh" > etc/passwd; fi
    if [ ! -f etc/shadow ]; then echo "root:!x:::::::" > etc/shadow; fi
    if [ ! -f etc/group ]; then echo "root:x:0:" > etc/group; fi
    if [ ! -f etc/gshadow ]; then echo "root:x::" > etc/gshadow; fi
    if [ ! -f etc/pam.d/other ]; then
      printf '%s\n' "account sufficient pam_unix.so" "auth sufficient pam_rootok.so" \
        "password requisite pam_unix.so nullok yescrypt" "session required pam_unix.so" > etc/pam.d/other
    fi
    if [ ! -f etc/login.defs ]; then touch etc/login.defs; fi
  '';
}
