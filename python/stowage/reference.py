"""Docker image references (name:tag), for values given at run time such as the
stream's ``--repo-tag``. The same grammar as nix/reference.nix (which checks
builder arguments at evaluation time); tests/vectors.json holds both to it.
"""

from __future__ import annotations

import re

from stowage.errors import UserError

_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_DOMAIN = rf"{_LABEL}(?:\.{_LABEL})*(?::[0-9]+)?"
_COMPONENT = r"[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*"
NAME = re.compile(rf"(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*")
TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")


def is_name(value: str) -> bool:
    return len(value) <= 255 and NAME.fullmatch(value) is not None


def is_tag(value: str) -> bool:
    return TAG.fullmatch(value) is not None


def parse_repo_tag(value: str, what: str) -> str:
    """Return ``value`` if it is ``name:tag``; raise a UserError saying what is wrong."""
    name, colon, tag = value.rpartition(":")
    if not colon or "/" in tag or not is_name(name) or not is_tag(tag):
        raise UserError(
            f"{what} must be NAME:TAG with a Docker image name and tag, "
            f"e.g. registry.example.com/team/app:1.0; got {value!r}"
        )
    return value
