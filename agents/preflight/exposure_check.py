"""Doctor checks of what this machine exposes or accepts: a Ray cluster reachable from
outside, and the most a template may ask of a sandbox job.

A Ray cluster's ports take jobs (arbitrary code) from anyone who can reach them: Ray has no
authentication of its own. A cluster address on this machine or a private network is the
expected set-up; any other is reported, non-blocking, so the user decides.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from urllib.parse import urlsplit

from agents.config import LimitCaps
from agents.preflight.model_check import Check

RAY_NAME = "ray exposure"


def ray_host(address: str) -> str | None:
    """The host of a Ray address (``host:port``, ``ray://host:port``); None for ``auto``/local."""
    address = address.strip()
    if not address or address in ("auto", "local"):
        return None
    parsed = urlsplit(address if "://" in address else f"ray://{address}")
    return parsed.hostname


def _is_private(host: str) -> bool | None:
    """True for this machine or a private network, False for a public address, None when the
    name does not resolve."""
    try:
        addresses = {ipaddress.ip_address(host)}
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None)
        except (OSError, UnicodeError):
            return None
        addresses = {ipaddress.ip_address(info[4][0]) for info in infos}
    return all(a.is_loopback or a.is_private or a.is_link_local for a in addresses)


def check_ray_exposure(address: str | None) -> Check | None:
    """A warning when the cluster is neither on this machine nor on a private network."""
    address = address or os.environ.get("RAY_ADDRESS") or ""
    host = ray_host(address)
    if host is None:
        return None
    private = _is_private(host)
    if private:
        return Check(name=RAY_NAME, ok=True, detail=f"{address} is on this machine or a "
                     f"private network")
    why = "does not resolve" if private is None else "is not on this machine or a private network"
    return Check(name=RAY_NAME, ok=False, blocking=False,
                 detail=f"the Ray address {address} {why}: a Ray cluster's ports accept jobs "
                        f"(any code) from anyone who can reach them, and the jobs carry the "
                        f"run's files",
                 fix="run the cluster on a private network or behind a firewall that admits only "
                     "your machines (see the README's Scaling out)")


def limit_caps_check(caps: LimitCaps) -> Check:
    """The configured maxima of a template's [limits], shown (always ok)."""
    shown = ", ".join(f"{name} {_number(value)}" for name, value in caps.model_dump().items())
    return Check(name="template limits", ok=True,
                 detail=f"a template may ask one job for at most: {shown} (the config file's "
                        f"max_limits table changes them)")


def _number(value: float) -> str:
    return f"{int(value)}" if float(value).is_integer() else f"{value:g}"
