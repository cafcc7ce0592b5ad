let s = import ../../.. { }; in s.toOCILayout (s.streamLayeredImage { name = "a"; })
