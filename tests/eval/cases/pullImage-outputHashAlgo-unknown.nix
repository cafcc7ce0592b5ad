(import ../../.. { }).pullImage { imageName = "hello"; imageDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"; outputHash = "abc"; outputHashAlgo = "sha3"; }
