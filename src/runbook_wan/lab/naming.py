"""Names of the lab's global objects (namespaces, root-namespace links, bridge, nft table).

Everything global carries the lab prefix, so several labs (the CLI's ``rb``, the tests' ``rbt``)
coexist and a crashed run's leftovers can be found and removed by prefix alone:

* namespaces ``<prefix>-<site>``, ``<prefix>-lan-<site>``, ``<prefix>-isp-<provider>``,
  ``<prefix>-inet``, ``<prefix>-relay``;
* root-namespace bridge ``<prefix>-mgmt`` and its ports ``<prefix>m<n>``;
* nft table ``inet <prefix>_lab`` in the root namespace.
"""

from __future__ import annotations

import hashlib
import re

from runbook_wan.results import Diagnostic, DiagnosticError

DEFAULT_PREFIX = "rb"
PREFIX_PATTERN = re.compile(r"[a-z][a-z0-9]{0,7}")
#: Linux interface names hold at most 15 characters.
IFNAMSIZ = 15
_RESERVED_SITE_IDS = ("inet", "relay")
_RESERVED_SITE_STARTS = ("isp-", "lan-")


def check_prefix(prefix: str) -> str:
    if not PREFIX_PATTERN.fullmatch(prefix):
        raise DiagnosticError(
            [
                Diagnostic(
                    "lab-prefix",
                    f"lab prefix {prefix!r} is not valid",
                    hint="use 1-8 lowercase letters and digits starting with a letter, e.g. rb or rbt",
                )
            ]
        )
    return prefix


def check_site_id(site: str) -> Diagnostic | None:
    """Site ids that would collide with the lab's own namespace names."""
    if site in _RESERVED_SITE_IDS or site.startswith(_RESERVED_SITE_STARTS):
        return Diagnostic(
            "lab-site-name",
            f"site id {site!r} collides with a lab namespace name",
            hint="site ids must not be 'inet' or 'relay' or start with 'isp-' or 'lan-'",
        )
    return None


def site_netns(prefix: str, site: str) -> str:
    return f"{prefix}-{site}"


def lan_hosts_netns(prefix: str, site: str) -> str:
    return f"{prefix}-lan-{site}"


def provider_netns(prefix: str, provider: str) -> str:
    return f"{prefix}-isp-{provider}"


def internet_netns(prefix: str) -> str:
    return f"{prefix}-inet"


def relay_netns(prefix: str) -> str:
    return f"{prefix}-relay"


def bridge(prefix: str) -> str:
    return f"{prefix}-mgmt"


def mgmt_port(prefix: str, index: int) -> str:
    return f"{prefix}m{index}"


def nft_table(prefix: str) -> str:
    return f"{prefix}_lab"


def owned_netns(prefix: str, name: str) -> bool:
    """Whether namespace ``name`` belongs to a lab with ``prefix`` (prefixes contain no dash)."""
    return name.startswith(f"{prefix}-")


def ifname(base: str) -> str:
    """``base`` if it fits an interface name, else a shortened, stable, unique form."""
    if len(base) <= IFNAMSIZ:
        return base
    digest = hashlib.sha1(base.encode()).hexdigest()[:5]
    return f"{base[: IFNAMSIZ - 6]}-{digest}"
