"""``perms``: owners and modes set declaratively on paths of the image root,
applied to the layer's entries while it is written (no root, no fakeroot).

Each rule: ``{"path": "/home/alice", "uid": 1000?, "gid": 1000?, "mode": "0750"?,
"recursive": false?}``. Rules apply in order, a later rule winning; a rule whose
path is not in the layer is an error (a typo would otherwise pass silently).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Optional

from stowage.errors import UserError
from stowage.contract.jsondoc import fields
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


def _mode(value: Any, path: str) -> Optional[int]:
    if value is None:
        return None
    try:
        mode = int(str(value), 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o7777:
        raise UserError(f"perms: mode of {path} must be octal such as \"0750\"; got {value!r}")
    return mode


def parse(doc: Any) -> list[Rule]:
    """Return the rules of a ``perms`` list (as Nix passed it)."""
    rules = []
    for item in doc or []:
        d = fields(item, "a perms rule", {"path"}, frozenset({"uid", "gid", "mode", "recursive"}))
        path = str(d["path"])
        rules.append(
            Rule(
                path.strip("/").encode(),
                None if d.get("uid") is None else int(d["uid"]),
                None if d.get("gid") is None else int(d["gid"]),
                _mode(d.get("mode"), path),
                bool(d.get("recursive", False)),
            )
        )
    return rules


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
    for rule, was_used in zip(rules, used):
        if not was_used:
            raise UserError(
                f"perms: /{rule.path.decode()} is not in the image root; "
                "create it (e.g. mkdir -p in extraCommands) or fix the path"
            )
    return result
