"""Where registry credentials come from, first match wins:

1. ``STOWAGE_REGISTRY_USERNAME`` and ``STOWAGE_REGISTRY_PASSWORD``
   (``STOWAGE_REGISTRY_PASSWORD_FILE`` may name a file holding the password
   instead), for the one registry ``STOWAGE_REGISTRY_HOST`` names (``host[:port]``
   as in the image name; any of Docker Hub's names for Docker Hub). Without
   ``STOWAGE_REGISTRY_HOST`` they are not used at all (``environment_note`` says so):
   a variable set for one registry must not reach every registry a build talks to;
2. the containers auth file ``REGISTRY_AUTH_FILE``, else
   ``${XDG_RUNTIME_DIR}/containers/auth.json``;
3. Docker's ``${DOCKER_CONFIG:-~/.docker}/config.json``.

Files are read for their ``auths`` entries (base64 ``auth`` of ``user:password``),
keyed by host, ``https://host``, ``host/repository/prefix`` or, for Docker Hub,
``https://index.docker.io/v1/``. Credential helpers are not run. Passwords never
appear in messages or in ``repr``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from stowage.errors import UserError
from stowage.registry.deadline import MIN_RATE_VAR, TIMEOUT_VAR
from stowage.registry.names import Repository, is_registry_host
from stowage.registry.realm import REALM_HOSTS_VAR

HOST_VAR = "STOWAGE_REGISTRY_HOST"
USERNAME_VAR = "STOWAGE_REGISTRY_USERNAME"
PASSWORD_VAR = "STOWAGE_REGISTRY_PASSWORD"
PASSWORD_FILE_VAR = "STOWAGE_REGISTRY_PASSWORD_FILE"
#: Every variable the client reads, for a fixed-output derivation's impureEnvVars.
VARIABLES = (
    HOST_VAR, USERNAME_VAR, PASSWORD_VAR, PASSWORD_FILE_VAR, REALM_HOSTS_VAR,
    "REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "DOCKER_CONFIG", TIMEOUT_VAR, MIN_RATE_VAR,
)


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str = field(repr=False)
    source: str  # where they came from, for messages


def environment_note(repo: Repository, env: Mapping[str, str]) -> Optional[str]:
    """Why the ``STOWAGE_REGISTRY_*`` credentials are not used for ``repo``, when they are set."""
    if not env.get(USERNAME_VAR):
        return None
    host = env.get(HOST_VAR, "").strip()
    if not host:
        return (f"{USERNAME_VAR} is set but {HOST_VAR} is not, so neither is used; "
                f"set {HOST_VAR} to the registry they are for (e.g. {HOST_VAR}={repo.registry})")
    if not is_registry_host(repo, host):
        return f"{USERNAME_VAR} is for {HOST_VAR}={host!r}, not {repo.registry}"
    return None


def _from_environment(repo: Repository, env: Mapping[str, str]) -> Optional[Credentials]:
    user = env.get(USERNAME_VAR, "")
    if not user or environment_note(repo, env) is not None:
        return None
    password = env.get(PASSWORD_VAR, "")
    if not password and env.get(PASSWORD_FILE_VAR):
        try:
            with open(env[PASSWORD_FILE_VAR], encoding="utf-8") as handle:
                password = handle.read().rstrip("\n")
        except OSError as error:
            raise UserError(f"cannot read {PASSWORD_FILE_VAR} {env[PASSWORD_FILE_VAR]}: {error.strerror}") from None
    return Credentials(user, password, f"${USERNAME_VAR}")


def auth_files(env: Mapping[str, str]) -> list[str]:
    """Return the auth files to look in, in order (they need not exist)."""
    files = []
    if env.get("REGISTRY_AUTH_FILE"):
        files.append(env["REGISTRY_AUTH_FILE"])
    elif env.get("XDG_RUNTIME_DIR"):
        files.append(os.path.join(env["XDG_RUNTIME_DIR"], "containers", "auth.json"))
    docker_dir = env.get("DOCKER_CONFIG") or (
        os.path.join(env["HOME"], ".docker") if env.get("HOME") else ""
    )
    if docker_dir:
        files.append(os.path.join(docker_dir, "config.json"))
    return files


def _keys(repo: Repository) -> list[str]:
    """The ``auths`` keys that may hold credentials for ``repo``, most specific first."""
    parts = repo.path.split("/")
    hosts = [repo.registry]
    if repo.is_docker_hub:
        hosts = ["docker.io", "index.docker.io", "registry-1.docker.io", "index.docker.io/v1"]
    scoped = [f"{repo.registry}/{'/'.join(parts[:n])}" for n in range(len(parts), 0, -1)]
    return scoped + hosts


def _normalise(key: str) -> str:
    for scheme in ("https://", "http://"):
        if key.startswith(scheme):
            key = key[len(scheme):]
    return key.rstrip("/").removesuffix("/v2")


def _decode(entry: Any, path: str, key: str) -> Optional[Credentials]:
    if not isinstance(entry, dict) or not isinstance(entry.get("auth"), str) or not entry["auth"]:
        return None
    try:
        user, colon, password = base64.b64decode(entry["auth"], validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise UserError(f"{path}: the auth of {key!r} is not base64 of user:password") from None
    if not colon:
        raise UserError(f"{path}: the auth of {key!r} is not base64 of user:password")
    return Credentials(user, password, path)


def _from_file(path: str, repo: Repository) -> Optional[Credentials]:
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise UserError(f"{path} is not valid JSON: {error}") from None
    auths = document.get("auths") if isinstance(document, dict) else None
    if not isinstance(auths, dict):
        return None
    entries = {_normalise(k): (k, v) for k, v in auths.items()}
    for key in _keys(repo):
        if key in entries:
            return _decode(entries[key][1], path, entries[key][0])
    return None


def lookup(repo: Repository, env: Mapping[str, str]) -> Optional[Credentials]:
    """Return the credentials for ``repo``, or None for anonymous access."""
    found = _from_environment(repo, env)
    for path in auth_files(env):
        if found is not None:
            break
        found = _from_file(path, repo)
    return found
