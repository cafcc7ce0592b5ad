(import ../../.. { }).pullImage { imageName = "hello"; imageDigest = "latest"; hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; }
