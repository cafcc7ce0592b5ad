"""Scripts run with a directory as / in real namespaces (no mocks): what they
see, what they leave, and the one-line errors."""

from __future__ import annotations

import ctypes
import os
import shutil
from pathlib import Path

import pytest

from conftest import require
from stowage.root import session as root_session
from stowage.errors import UserError


def _root(tmp_path: Path) -> Path:
    require("busybox")
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    shutil.copy(shutil.which("busybox") or "", root / "bin" / "busybox")
    return root


def _script(text: str) -> root_session.Script:
    return root_session.Script("runAsRoot", ["/bin/busybox", "sh", "-e", "-c", text], {"PATH": "/bin"})


def test_the_script_sees_the_root_proc_dev_and_a_read_only_store(tmp_path: Path) -> None:
    root = _root(tmp_path)
    script = (
        "b=/bin/busybox; $b echo $$ > /pid; $b ls /proc/self/ > /dev/null; $b echo x > /dev/null; "
        "$b ls /nix/store > /store-listing; if $b touch /nix/store/x 2>/dev/null; then exit 9; fi; "
        "$b chown 1000:1000 /pid; $b mktemp > /tmp-file; $b test -w /tmp"
    )
    present = sorted(p for p in os.listdir("/nix/store") if not p.startswith("."))[0]
    root_session.run(str(root), "/nix/store", _script(script))
    assert (root / "pid").read_text() == "1\n"  # PID 1 of its own PID namespace
    assert present in (root / "store-listing").read_text().split()
    if os.getuid() == 0:
        assert (root / "pid").stat().st_uid == 1000
    # The mount points it made are gone again.
    assert (root / "tmp-file").read_text().startswith("/tmp/")
    assert sorted(os.listdir(root)) == ["bin", "pid", "store-listing", "tmp-file"]


def test_a_failing_script_is_one_line_with_its_status(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"^runAsRoot failed with exit status 7$"):
        root_session.run(str(_root(tmp_path)), "/nix/store", _script("exit 7"))


def test_a_missing_shell_is_named(tmp_path: Path) -> None:
    script = root_session.Script("runAsRoot", ["/no/such/sh", "-c", "true"], {})
    with pytest.raises(UserError, match=r"^runAsRoot cannot start: /no/such/sh in the image root: No such file"):
        root_session.run(str(_root(tmp_path)), "/nix/store", script)


def test_no_user_namespace_gives_one_line_naming_the_setting(tmp_path: Path) -> None:
    """The kernel allows 32 nested user namespaces: past them, as where the
    administrator allows none, unshare fails; the error says what to allow."""
    root = _root(tmp_path)
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        libc = ctypes.CDLL(None, use_errno=True)
        while libc.unshare(0x10000000) == 0:  # CLONE_NEWUSER, as deep as allowed (uid: unmapped)
            pass
        try:
            root_session.run(str(root), "/nix/store", _script("true"))
            os.write(writer, b"ran")
        except UserError as error:
            os.write(writer, str(error).encode())
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        message = pipe.read().decode()
    os.waitpid(pid, 0)
    assert message.startswith("runAsRoot cannot start: cannot make a user namespace")
    assert "user.max_user_namespaces" in message and "\n" not in message
