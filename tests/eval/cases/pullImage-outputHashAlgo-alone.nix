(import ../../.. { }).pullImage { imageName = "hello"; imageDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"; outputHashAlgo = "sha256"; }
