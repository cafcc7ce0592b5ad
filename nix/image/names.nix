# Names every image shares: the image name as a reference (lower case) and the
# last component of it, which the image's store names use.
let
  inherit (builtins) baseNameOf replaceStrings;

  toLower = replaceStrings
    [ "A" "B" "C" "D" "E" "F" "G" "H" "I" "J" "K" "L" "M" "N" "O" "P" "Q" "R" "S" "T" "U" "V" "W" "X" "Y" "Z" ]
    [ "a" "b" "c" "d" "e" "f" "g" "h" "i" "j" "k" "l" "m" "n" "o" "p" "q" "r" "s" "t" "u" "v" "w" "x" "y" "z" ];
in
{
  inherit toLower;

  # The last component of the (lower-cased) image name: store names use it.
  imageBaseName = name: baseNameOf (toLower name);

  # The default of created and mtime: one second after the epoch.
  epochPlusOne = "1970-01-01T00:00:01Z";
}
