"""The shell text of a nix-shell image (streamNixShellImage): its rcfile, which
does what the rcfile of ``nix-shell`` (Nix 2.8, ``nix-build.cc``) does for a
derivation whose variables are already in the environment, and the
``buildDerivation`` script, which runs the derivation's builder.

The rcfile: PATH is unset and ``$stdenv/setup`` sourced (it sets PATH from the
inputs); then the image's own PATH entries come first, SHELL and BASH name the
shell, errors no longer end the shell, an interactive shell gets nix-shell's
prompt, the ``shellHook`` runs, ``NIX_ENFORCE_PURITY`` is unset, ``nullglob`` is
off and ``execfail`` on. Then ``command`` or ``run`` (at most one) and ``exit``.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Optional

# nix-shell's prompt: a newline, then "[nix-shell:<dir>]$ " in bold green.
PROMPT = r"'\n\[\033[1;32m\][nix-shell:\w]\$\[\033[0m\] '"


@dataclass(frozen=True)
class ShellImage:
    """What the rcfile and buildDerivation are made of."""

    shell: str
    builder: str
    args: tuple[str, ...]
    command: Optional[str]
    run: Optional[str]


def static_path(shell: str, bin_dir: str) -> str:
    """Return the PATH entries the image puts first: the shell's directory, then
    ``bin_dir`` (where buildDerivation is). streamNixShellImage's Env says the same."""
    return f"{shell.rsplit('/', 1)[0]}:{bin_dir}"


def rcfile(image: ShellImage, bin_dir: str) -> str:
    """Return the rcfile's text."""
    shell = shlex.quote(image.shell)
    lines = [
        "unset PATH",
        "dontAddDisableDepTrack=1",
        '[ -e "$stdenv/setup" ] && source "$stdenv/setup"',
        f'PATH={shlex.quote(static_path(image.shell, bin_dir))}:"$PATH"',
        f"SHELL={shell}",
        f"BASH={shell}",
        "set +e",
        f'[ -n "$PS1" ] && [ -z "$NIX_SHELL_PRESERVE_PROMPT" ] && PS1={PROMPT}',
        'if [ "$(type -t runHook)" = function ]; then',
        "    runHook shellHook",
        "fi",
        "unset NIX_ENFORCE_PURITY",
        "shopt -u nullglob",
        "shopt -s execfail",
    ]
    given = [text for text in (image.command, image.run) if text is not None]
    if given:
        lines += [*given, "exit"]
    return "\n".join(lines) + "\n"


def build_derivation(image: ShellImage) -> str:
    """Return the ``buildDerivation`` script: the derivation's builder with its
    arguments, run in place of the script."""
    call = " ".join(shlex.quote(word) for word in (image.builder, *image.args))
    return f"#!{image.shell}\nexec {call}\n"
