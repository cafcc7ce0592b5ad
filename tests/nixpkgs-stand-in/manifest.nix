# What each package of the stand-in takes from the host (Debian 12, 13, unstable;
# x86_64). `programs`: file names looked up in the host's bin directories;
# `dpkg`: also every regular file that Debian package installs in a bin
# directory; `libraries`: file names looked up in the host's library
# directories, each matching the name itself and its versions ("libz.so"
# matches libz.so.1 and libz.so.1.2.13). A name ending in "?" may be missing
# (it exists on some releases only); any other missing name is an evaluation
# error. Whatever a program needs and is not listed here fails the package's
# build, naming the library (see build.sh).
{
  libraryDirs = [
    "/usr/lib/x86_64-linux-gnu"
    "/usr/lib/nix"
    "/usr/lib/x86_64-linux-gnu/nix"
  ];

  glibc = [
    "ld-linux-x86-64.so.2"
    "libc.so.6"
    "libm.so.6"
    "libmvec.so.1"
    "libresolv.so.2"
    "libpthread.so.0"
    "libdl.so.2"
    "librt.so.1"
    "libutil.so.1"
    "libanl.so.1"
    "libnss_files.so.2"
    "libnss_dns.so.2"
  ];

  packages = {
    bash = {
      programs = [ "bash" ];
      links.sh = "bash";
      libraries = [ "libtinfo.so" ];
    };
    coreutils = {
      dpkg = "coreutils";
      # Debian 13 on: ls needs libcap; who, users and pinky libsystemd; libcrypto libz.
      libraries = [
        "libacl.so" "libattr.so" "libgmp.so" "libpcre2-8.so" "libselinux.so" "libcrypto.so?"
        "libz.so?" "libzstd.so?" "libcap.so?" "libsystemd.so?"
      ];
    };
    findutils = {
      programs = [ "find" "xargs" ];
      libraries = [ "libpcre2-8.so" "libselinux.so" ];
    };
    diffutils = {
      programs = [ "diff" "cmp" "diff3" "sdiff" ];
      libraries = [ ];
    };
    gnused = {
      programs = [ "sed" ];
      libraries = [ "libacl.so" "libattr.so" "libpcre2-8.so" "libselinux.so" ];
    };
    gnugrep = {
      programs = [ "grep" ];
      libraries = [ "libpcre2-8.so" ];
    };
    gawk = {
      programs = [ "gawk" ];
      links.awk = "gawk";
      libraries = [ "libgmp.so" "libmpfr.so" "libreadline.so" "libsigsegv.so?" "libtinfo.so" ];
    };
    gnutar = {
      programs = [ "tar" ];
      libraries = [ "libacl.so" "libattr.so" "libpcre2-8.so" "libselinux.so" ];
    };
    gzip = {
      programs = [ "gzip" "gunzip" "zcat" ];
      libraries = [ ];
    };
    xz = {
      programs = [ "xz" ];
      links = {
        unxz = "xz";
        xzcat = "xz";
      };
      libraries = [ "liblzma.so" ];
    };
    zstd = {
      programs = [ "zstd" ];
      links = {
        unzstd = "zstd";
        zstdcat = "zstd";
      };
      libraries = [ "liblz4.so" "liblzma.so" "libz.so" "libzstd.so?" "libxxhash.so?" ];
    };
    hello = {
      programs = [ "hello" ];
      libraries = [ ];
    };
    # useradd and its kin (Debian's passwd), for shadowSetup under runAsRoot. Debian 13
    # on: libbsd (and its libmd), libacl and libattr too.
    shadow = {
      programs = [ "useradd" "usermod" "userdel" "groupadd" "groupmod" "groupdel" ];
      libraries = [
        "libaudit.so" "libcap-ng.so" "libselinux.so" "libsemanage.so" "libsepol.so" "libpcre2-8.so"
        "libbz2.so" "libbsd.so?" "libmd.so?" "libacl.so?" "libattr.so?"
      ];
    };
    fakeroot = {
      programs = [ "fakeroot-sysv" "faked-sysv" "getopt" ];
      links = {
        fakeroot = "fakeroot-sysv";
        faked = "faked-sysv";
      };
      libraries = [ ];
      # LD_PRELOADed into the programs fakeroot runs.
      preload = "/usr/lib/x86_64-linux-gnu/libfakeroot/libfakeroot-sysv.so";
    };
    nix = {
      programs = [ "nix" ];
      links.nix-store = "nix";
      # Debian 12's nix-bin (2.8) has its own libraries in /usr/lib/nix; from Debian 13
      # on they are linked into the program, which needs lowdown and others instead.
      libraries = [
        "libnixcmd.so?" "libnixexpr.so?" "libnixfetchers.so?" "libnixmain.so?" "libnixstore.so?"
        "libnixutil.so?" "libnixflake.so?" "libnixexprc.so?" "libnixstorec.so?" "libnixutilc.so?"
        "libnixmainc.so?" "libnixfetchersc.so?" "libnixflakec.so?"
        "libacl.so" "libattr.so?" "libarchive.so" "libboost_context.so" "libboost_thread.so?"
        "libboost_system.so?" "libboost_regex.so?" "libboost_url.so?" "libboost_iostreams.so?"
        "libbrotlicommon.so" "libbrotlidec.so" "libbrotlienc.so" "libbsd.so" "libbz2.so"
        "libcom_err.so" "libcpuid.so?" "libcrypto.so" "libcurl-gnutls.so?" "libcurl.so?" "libffi.so"
        "libgc.so" "libgccpp.so?" "libgcc_s.so" "libgit2.so?" "libgmp.so" "libgnutls.so"
        "libgssapi_krb5.so" "libhistory.so" "libhogweed.so" "libicudata.so?" "libicuuc.so?"
        "libidn2.so" "libk5crypto.so" "libkeyutils.so" "libkrb5.so" "libkrb5support.so"
        "liblber-2.5.so?" "libldap-2.5.so?" "liblber.so?" "libldap.so?" "liblz4.so" "liblzma.so"
        "libmd.so" "libnettle.so" "libnghttp2.so" "libnghttp3.so?" "libngtcp2.so?"
        "libngtcp2_crypto_gnutls.so?" "libngtcp2_crypto_ossl.so?" "libp11-kit.so" "libpsl.so" "libreadline.so?"
        "libedit.so?" "librtmp.so?" "libsasl2.so" "libseccomp.so" "libsodium.so" "libsqlite3.so"
        "libssh2.so?" "libssh.so?" "libssl.so?" "libstdc++.so" "libtasn1.so" "libtinfo.so"
        "libunistring.so" "libxml2.so?" "libz.so" "libzstd.so" "libhttp_parser.so?"
        "libllhttp.so?" "libpcre2-8.so?" "libtoml11.so?" "libblake3.so?" "libmbedcrypto.so?"
        "libmbedtls.so?" "libmbedx509.so?" "libcap.so?" "libgpg-error.so?" "libgcrypt.so?"
        "libidn.so?" "libuuid.so?" "libjson-c.so?" "liblzo2.so?" "libxxhash.so?" "liblowdown.so?"
      ];
    };
    python3 = {
      # programs and the standard library: see default.nix (by the version found)
      libraries = [
        "libbz2.so" "libcom_err.so" "libcrypt.so" "libcrypto.so" "libdb-5.3.so?" "libexpat.so"
        "libffi.so" "libgssapi_krb5.so" "libk5crypto.so" "libkeyutils.so" "libkrb5.so"
        "libkrb5support.so" "liblzma.so" "libncursesw.so" "libnsl.so?" "libpanelw.so"
        "libreadline.so" "libsqlite3.so" "libssl.so" "libtinfo.so" "libtirpc.so?" "libuuid.so"
        "libz.so" "libmpdec.so?" "libzstd.so?" "libgdbm.so?" "libgdbm_compat.so?" "libedit.so?"
        "libbsd.so?" "libmd.so?" "libgcc_s.so"
      ];
    };
  };
}
