let
  stowage = import ../../.. { };
in
stowage.buildImage { name = "app"; annotations = stowage.binSh; }
