"""Which Bearer token realms may receive the user's credentials. A registry's
``WWW-Authenticate`` challenge names the realm to ask for a token; the
credentials (basic auth) go there only when

1. the realm is not weaker than the registry: an HTTPS registry's realm must be
   HTTPS (a plain-HTTP realm only serves a plain-HTTP registry, which only
   ``tlsVerify = false`` allows), and
2. the realm's host is one the user trusts: the registry's own host (any port),
   a host in the registry's parent domain (``registry-1.docker.io`` trusts
   ``auth.docker.io``, ``registry.gitlab.com`` trusts ``gitlab.com``; only when
   that domain has two labels or more and is not one that unrelated owners share,
   never for an IP address), or a host listed in ``STOWAGE_REGISTRY_REALM_HOSTS``
   (comma-separated).

Without the public suffix list (not in the standard library), a parent domain
counts as shared when it is a generic second level under a country code
(``co.uk``, ``com.au``, ``ne.jp``: anyone can register below them) or one of the
hosting domains whose subdomains belong to different customers (``azurecr.io``,
``amazonaws.com``, …). A registry there needs its realm host in
``STOWAGE_REGISTRY_REALM_HOSTS``; the big registries' realms are their own hosts.

Otherwise the token is asked for without credentials (enough for a public image).
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from typing import Mapping, Optional

REALM_HOSTS_VAR = "STOWAGE_REGISTRY_REALM_HOSTS"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


#: Second-level labels under which anyone registers names, below a country code.
_GENERIC_SECOND_LEVEL = frozenset(
    "ac co com edu gob go gov gv ltd me mil ne net nhs nic nom or org plc sch".split()
)
#: Hosting domains whose subdomains belong to unrelated customers.
_SHARED_DOMAINS = frozenset({
    "amazonaws.com", "azurecr.io", "pkg.dev", "appspot.com", "cloudfront.net",
    "herokuapp.com", "github.io", "gitlab.io", "azurewebsites.net", "ondigitalocean.app",
})


def _shared(domain: str) -> bool:
    """Whether unrelated owners have hosts below ``domain`` (a public suffix)."""
    labels = domain.split(".")
    if len(labels) < 2 or domain in _SHARED_DOMAINS or domain.endswith(tuple("." + d for d in _SHARED_DOMAINS)):
        return True
    return len(labels) == 2 and len(labels[1]) == 2 and labels[0] in _GENERIC_SECOND_LEVEL


def _in_parent_domain(registry: str, realm: str) -> bool:
    labels = registry.split(".")
    if _is_ip(registry) or len(labels) < 3:
        return False
    parent = ".".join(labels[1:])
    if _shared(parent):
        return False
    return realm == parent or realm.endswith("." + parent)


def extra_hosts(env: Mapping[str, str]) -> frozenset[str]:
    """The hosts the user names in STOWAGE_REGISTRY_REALM_HOSTS, lower case."""
    return frozenset(h.strip().lower() for h in env.get(REALM_HOSTS_VAR, "").split(",") if h.strip())


def refusal(registry_url: str, realm_url: str, trusted: frozenset[str]) -> Optional[str]:
    """Why the credentials must not go to ``realm_url``, or None when they may."""
    registry, realm = urllib.parse.urlsplit(registry_url), urllib.parse.urlsplit(realm_url)
    if registry.scheme == "https" and realm.scheme != "https":
        return "the realm is plain HTTP and the registry HTTPS"
    host, own = (realm.hostname or "").lower(), (registry.hostname or "").lower()
    if host == own or _in_parent_domain(own, host) or host in trusted or realm.netloc.lower() in trusted:
        return None
    return f"the realm's host {host} is neither the registry's nor in {REALM_HOSTS_VAR}"
