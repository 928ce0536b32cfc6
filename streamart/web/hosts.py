"""The names the web app answers to: a request's Host header checked against them defeats DNS
rebinding (see :class:`OwnNames`). Standard library only, so that the CLI can check
``--allowed-host`` before the web app's dependencies are loaded."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass

#: Names of this machine that a page on another site cannot take over (DNS rebinding needs a
#: name the attacker controls): always answered, on the app's port.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
#: A Host header or an --allowed-host: a name or IPv4 address, or an IPv6 address in brackets,
#: and an optional port.
_HOST = re.compile(r"(?P<name>[a-z0-9._-]+|\[[0-9a-f:.]+\])(?::(?P<port>[0-9]{1,5}))?")


def split_host(text: str) -> tuple[str, int | None]:
    """``NAME[:PORT]`` (a Host header's form) as the lower-case name or address, brackets
    removed, and the port (None when absent); ValueError for anything else."""
    match = _HOST.fullmatch(text.strip().lower())
    if match is None or (match["port"] is not None and not 0 < int(match["port"]) < 65536):
        raise ValueError(f"'{text}' is not a host name with an optional port (NAME or NAME:PORT)")
    return match["name"].strip("[]"), None if match["port"] is None else int(match["port"])


def _same_address(name: str, address: str) -> bool:
    """Whether host name ``name`` is the IP address ``address`` (an IPv4 address seen through an
    IPv6 socket included)."""
    try:
        ours, theirs = ipaddress.ip_address(address), ipaddress.ip_address(name)
    except ValueError:
        return False
    return (getattr(ours, "ipv4_mapped", None) or ours) == (getattr(theirs, "ipv4_mapped", None) or theirs)


@dataclass(frozen=True)
class OwnNames:
    """The names the app answers to (a request's Host header), against DNS rebinding: a page on
    any site can make its own name point at 127.0.0.1, and the browser then treats this app as
    that site's, sending its Host and Origin. Bound to one address: that address and the
    loopback names, on the app's port. Bound to every interface: also the machine's host name
    and fully qualified name, and the address a request arrived at. Besides, the names of
    ``--allowed-host`` (a reverse proxy's), with their port or, without one, on any port."""

    port: int
    #: (name, port): a port of None allows any.
    names: frozenset[tuple[str, int | None]]
    every_interface: bool = False

    @classmethod
    def of(cls, host: str, port: int, allowed: Iterable[str] = ()) -> OwnNames:
        """The names of an app listening on ``host`` (as ``--host`` gives it) and ``port``,
        and the ``allowed`` ones (``NAME[:PORT]``)."""
        every_interface = host in ("0.0.0.0", "::", "")
        if every_interface:
            own = {*LOOPBACK_NAMES, socket.gethostname().lower(), socket.getfqdn().lower()}
        else:
            own = {*LOOPBACK_NAMES, host.strip("[]").lower()}
        names = {(name, port) for name in own} | {split_host(text) for text in allowed}
        return cls(port, frozenset(names), every_interface)

    def answers(self, host: str, arrived_at: str | None = None) -> bool:
        """Whether a request with Host header ``host`` that arrived at local address
        ``arrived_at`` is for this app."""
        try:
            name, port = split_host(host)
        except ValueError:
            return False
        port = 80 if port is None else port  # a browser leaves out http's own port
        if (name, port) in self.names or (name, None) in self.names:
            return True
        return self.every_interface and port == self.port and arrived_at is not None and _same_address(name, arrived_at)
