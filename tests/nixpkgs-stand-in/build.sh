# The builder of every package of the nixpkgs stand-in, run by the host's static
# busybox (imported into the store): no shell or libc may come from outside the
# store, since the packages built here are where they come from. Each package
# is the host's files (from default.nix) copied into $out, with every ELF file's
# interpreter and rpath pointed into the store by patchelf, which itself runs
# through the imported loader. Fails, naming the library, when a program needs
# a library that is not in the store.
set -eu
mkdir "$TMPDIR/busybox"
"$builder" --install -s "$TMPDIR/busybox"
PATH=$TMPDIR/busybox

mkdir -p "$out/bin" "$out/lib"
for program in $programs; do
  cp "$program" "$out/bin/${program#*-}"
done
for dir in $libraries; do
  cp -a "$dir/." "$out/lib/"
  chmod u+w "$out/lib"
done
for pair in $trees; do
  source=${pair%%=*} target=$out/${pair#*=}
  mkdir -p "$(dirname "$target")"
  if [ -d "$source" ]; then cp -a "$source" "$target"; else cp "$source" "$target"; fi
done
chmod -R u+w "$out"
for pair in $links; do
  ln -s "${pair#*=}" "$out/bin/${pair%%=*}"
done

# Scripts: #!/bin/sh and #!/bin/bash are not in the sandbox or an image.
if [ -n "$bash" ]; then
  for file in "$out"/bin/*; do
    if [ -f "$file" ] && [ ! -L "$file" ] && [ "$(head -c 2 "$file")" = "#!" ]; then
      sed -i -e "1s|^#! */bin/sh|#!$bash/bin/sh|" -e "1s|^#! */bin/bash|#!$bash/bin/bash|" "$file"
    fi
  done
fi

if [ -n "$patchelf" ]; then
  loader=$glibc/lib/ld-linux-x86-64.so.2
  patch() { "$patchelf/lib/ld-linux-x86-64.so.2" --library-path "$patchelf/lib" "$patchelf/bin/patchelf" "$@"; }
  find "$out" -type f \( -path "$out/bin/*" -o -name '*.so' -o -name '*.so.*' \) > "$TMPDIR/files"
  : > "$TMPDIR/elves"
  while read -r file; do
    patch --print-rpath "$file" > /dev/null 2>&1 || continue # not a dynamic ELF file
    patch --set-rpath "$out/lib:$glibc/lib" "$file"
    if patch --print-interpreter "$file" > /dev/null 2>&1; then
      patch --set-interpreter "$loader" "$file"
    fi
    # The host's libraries in lib/ are checked through what loads them: one that
    # a release's programs do not need (copied all the same) may lack its own.
    [ "$(dirname "$file")" = "$out/lib" ] || echo "$file" >> "$TMPDIR/elves"
  done < "$TMPDIR/files"
  missing=0
  while read -r file; do
    # glibc before 2.41 lists "libx.so.1 => not found"; later ones stop at the first
    # ("error while loading shared libraries: libx.so.1: cannot open ...", exit 127).
    status=0
    "$loader" --list "$file" > "$TMPDIR/list" 2>&1 || status=$?
    if grep -e 'not found' -e 'cannot open shared object' "$TMPDIR/list" > "$TMPDIR/missing" || [ "$status" != 0 ]; then
      [ -s "$TMPDIR/missing" ] || cp "$TMPDIR/list" "$TMPDIR/missing"
      echo "nixpkgs stand-in: $name: ${file#$out/} needs $(tr -s ' \t\n' ' ' < "$TMPDIR/missing"); add it to tests/nixpkgs-stand-in/manifest.nix" >&2
      missing=1
    fi
  done < "$TMPDIR/elves"
  [ "$missing" = 0 ]
fi

eval "$fixup"
