# The stand-in stdenv's setup, sourced by its builder and by nix-shell images'
# rcfiles: PATH from the initial tools and the inputs, hooks, and the phases of
# a generic build. A small subset of nixpkgs' stdenv: no propagation, cross
# prefixes, patches or fixups.

initialPath="@initialPath@"
SHELL=@shell@
PATH=
for pkg in $initialPath; do
    PATH=${PATH:+$PATH:}$pkg/bin
done
unset pkg

# runHook NAME: run the shell code of the variable NAME (preBuild, shellHook, ...).
runHook() {
    local hook=$1
    if [ -n "${!hook-}" ]; then
        eval "${!hook}"
    fi
    return 0
}

# The inputs' bin directories come before the initial tools, in the order given;
# an input's nix-support/setup-hook is sourced.
addInputs() {
    local inputPath= pkg
    for pkg in "$@"; do
        if [ -d "$pkg/bin" ]; then
            inputPath=${inputPath:+$inputPath:}$pkg/bin
        fi
        if [ -f "$pkg/nix-support/setup-hook" ]; then
            source "$pkg/nix-support/setup-hook"
        fi
    done
    PATH=$inputPath${inputPath:+${PATH:+:}}$PATH
}
addInputs ${nativeBuildInputs-} ${buildInputs-}
export PATH SHELL

# A store path's name without its hash: /nix/store/<hash>-hello-src -> hello-src.
stripHash() {
    local base=${1##*/}
    echo "${base#*-}"
}

unpackPhase() {
    runHook preUnpack
    if [ -z "${src-}" ]; then
        echo "unpackPhase: the derivation has no src; set src, or override unpackPhase" >&2
        return 1
    fi
    if [ -d "$src" ]; then
        sourceRoot=${sourceRoot:-$(stripHash "$src")}
        cp -r "$src" "$sourceRoot"
        chmod -R u+w "$sourceRoot"
    else
        tar -xf "$src"
        sourceRoot=${sourceRoot:-$(tar -tf "$src" | head -n 1 | cut -d / -f 1)}
    fi
    runHook postUnpack
    cd "$sourceRoot"
}

configurePhase() {
    runHook preConfigure
    if [ -x ./configure ]; then
        ./configure --prefix="$out" ${configureFlags-}
    fi
    runHook postConfigure
}

buildPhase() {
    runHook preBuild
    if [ -f Makefile ]; then
        make ${makeFlags-} ${buildFlags-}
    else
        echo "buildPhase: no Makefile; nothing to build"
    fi
    runHook postBuild
}

checkPhase() {
    runHook preCheck
    if [ -f Makefile ]; then
        make ${makeFlags-} check
    fi
    runHook postCheck
}

installPhase() {
    runHook preInstall
    if [ -f Makefile ]; then
        make ${makeFlags-} install
    fi
    runHook postInstall
}

fixupPhase() {
    runHook preFixup
    runHook postFixup
}

# The build: buildCommand when set; else each phase, as the variable of its name
# (shell code) when set, else the function above. checkPhase only with doCheck.
genericBuild() {
    if [ -n "${buildCommand-}" ]; then
        eval "$buildCommand"
        return
    fi
    local phase
    for phase in ${phases:-unpackPhase configurePhase buildPhase checkPhase installPhase fixupPhase}; do
        if [ "$phase" = checkPhase ] && [ -z "${doCheck-}" ]; then
            continue
        fi
        echo "stdenv: $phase"
        if [ -n "${!phase-}" ]; then
            eval "${!phase}"
        else
            "$phase"
        fi
    done
}
