"""Declarative owners and modes (stowage.root.perms) on a layer's entries."""

from __future__ import annotations

import pytest

from stowage.contract.image_requests import PermRule
from stowage.contract.schema import check_value
from stowage.errors import UserError
from stowage.layers.tarball import Entry
from stowage.root import perms
from stowage.tar import headers

ENTRIES = [
    Entry(b"home/", headers.DIRTYPE, 0o755),
    Entry(b"home/alice/", headers.DIRTYPE, 0o755),
    Entry(b"home/alice/notes", headers.REGTYPE, 0o644, size=3),
    Entry(b"home/alicebob", headers.REGTYPE, 0o644),
]


def parse(items: object) -> list[perms.Rule]:
    """The rules of a ``perms`` list as the root layer request carries it (parsed by the contract)."""
    return perms.rules(check_value(tuple[PermRule, ...], items, None, "the root layer request's perms"))


def test_rules_apply_in_order_to_the_path_and_recursively() -> None:
    rules = parse([
        {"path": "/home/alice", "uid": 1000, "gid": 100, "mode": "0750", "recursive": True},
        {"path": "/home/alice/notes", "mode": "0600"},
    ])
    result = perms.apply(ENTRIES, rules, (0, 0))
    assert [(e.name, e.owner, oct(e.mode)) for e in result] == [
        (b"home/", None, "0o755"),
        (b"home/alice/", (1000, 100), "0o750"),
        (b"home/alice/notes", (1000, 100), "0o600"),  # the later rule wins its mode, keeps the owner
        (b"home/alicebob", None, "0o644"),  # a prefix of a name is not a parent
    ]


def test_a_rule_without_owner_keeps_the_default_owner() -> None:
    [entry] = perms.apply(ENTRIES[:1], parse([{"path": "home", "gid": 5}]), (7, 8))
    assert entry.owner == (7, 5)


def test_a_rule_for_a_path_not_in_the_root_is_refused() -> None:
    with pytest.raises(UserError, match=r"^perms: /home/bob is not in the image root; create it"):
        perms.apply(ENTRIES, parse([{"path": "/home/bob", "uid": 1}]), (0, 0))


@pytest.mark.parametrize("mode", ["999", "rwx", "17777", "-1"])
def test_a_mode_that_is_not_octal_is_refused(mode: str) -> None:
    with pytest.raises(UserError, match=rf"^perms: mode of /x must be octal such as \"0750\"; got '{mode}'"):
        parse([{"path": "/x", "mode": mode}])


def test_an_unknown_key_is_refused() -> None:
    with pytest.raises(UserError, match="owner"):
        parse([{"path": "/x", "owner": 1}])
