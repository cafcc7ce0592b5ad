"""``WWW-Authenticate`` challenges (RFC 7235) as registries send them, e.g.
``Bearer realm="https://auth.example/token",service="registry",scope="repository:a:pull"``
or ``Basic realm="Registry Realm"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# auth-param: token "=" ( token / quoted-string ), separated by commas.
_PARAM = re.compile(r'\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)')


@dataclass(frozen=True)
class Challenge:
    scheme: str  # lower case: "bearer" or "basic"
    params: dict[str, str]


def parse(header: str) -> Challenge:
    """Return the scheme and parameters of one challenge."""
    scheme, _, rest = header.strip().partition(" ")
    params: dict[str, str] = {}
    position = 0
    while position < len(rest):
        match = _PARAM.match(rest, position)
        if match is None or match.end() == position:
            break
        quoted, bare = match.group(2), match.group(3)
        value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare
        params[match.group(1).lower()] = value
        position = match.end()
    return Challenge(scheme.lower(), params)
