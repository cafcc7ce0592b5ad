"""``perms``: owners and modes set declaratively on paths of the image root,
applied to the layer's entries while it is written (no root, no fakeroot).

Each rule: ``{"path": "/home/alice", "uid": 1000?, "gid": 1000?, "mode": "0750"?,
"recursive": false?}``. Rules apply in order, a later rule winning; a rule whose
path is not in the layer is an error (a typo would otherwise pass silently).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional, Sequence

from stowage.errors import UserError
from stowage.contract.image_requests import PermRule
from stowage.layers.tarball import Entry


@dataclass(frozen=True)
class Rule:
    path: bytes  # relative, no trailing slash
    uid: Optional[int]
    gid: Optional[int]
    mode: Optional[int]
    recursive: bool

    def matches(self, name: bytes) -> bool:
        name = name.rstrip(b"/")
        return name == self.path or (self.recursive and name.startswith(self.path + b"/"))


def _mode(value: Optional[str], path: str) -> Optional[int]:
    if value is None:
        return None
    try:
        mode = int(value, 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o7777:
        raise UserError(f"perms: mode of {path} must be octal such as \"0750\"; got {value!r}")
    return mode


def rules(items: Sequence[PermRule]) -> list[Rule]:
    """Return the rules of a ``perms`` list (as the request carries it)."""
    return [
        Rule(item.path.strip("/").encode(), item.uid, item.gid, _mode(item.mode, item.path), item.recursive)
        for item in items
    ]


def apply(entries: list[Entry], rules: list[Rule], default_owner: tuple[int, int]) -> list[Entry]:
    """Return ``entries`` with the rules' owners and modes."""
    used = [False] * len(rules)
    result = []
    for entry in entries:
        for index, rule in enumerate(rules):
            if not rule.matches(entry.name):
                continue
            used[index] = True
            uid, gid = entry.owner or default_owner
            entry = replace(
                entry,
                owner=(rule.uid if rule.uid is not None else uid, rule.gid if rule.gid is not None else gid),
                mode=rule.mode if rule.mode is not None else entry.mode,
            )
        result.append(entry)
    for rule, was_used in zip(rules, used, strict=True):
        if not was_used:
            raise UserError(
                f"perms: /{rule.path.decode()} is not in the image root; "
                "create it (e.g. mkdir -p in extraCommands) or fix the path"
            )
    return result
