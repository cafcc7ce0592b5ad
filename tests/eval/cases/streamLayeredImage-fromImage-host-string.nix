(import ../../.. { }).streamLayeredImage { name = "app"; fromImage = "/tmp/base.tar"; }
