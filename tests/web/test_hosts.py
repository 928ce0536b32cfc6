"""The names the web app answers to, against DNS rebinding."""

from __future__ import annotations

import socket

import pytest

from streamart.web.hosts import OwnNames, split_host


@pytest.mark.parametrize(
    "text, parts",
    [
        ("localhost:7860", ("localhost", 7860)),
        ("Art.Example.COM", ("art.example.com", None)),
        ("[::1]:8000", ("::1", 8000)),
        ("192.168.1.20:80", ("192.168.1.20", 80)),
    ],
)
def test_host_headers_are_split_into_name_and_port(text, parts):
    assert split_host(text) == parts


@pytest.mark.parametrize("text", ["", "evil@127.0.0.1:7860", "a b", "127.0.0.1:99999", "127.0.0.1:", "x/y", "[::1"])
def test_anything_else_is_not_a_host(text):
    with pytest.raises(ValueError, match="is not a host name with an optional port"):
        split_host(text)


def test_bound_to_this_computer_it_answers_to_its_loopback_names_on_its_port():
    own = OwnNames.of("127.0.0.1", 7860)
    assert all(own.answers(host) for host in ("127.0.0.1:7860", "localhost:7860", "LOCALHOST:7860", "[::1]:7860"))
    assert not any(
        own.answers(host)
        for host in (
            "evil.example:7860",
            "localhost:7861",
            "localhost",
            "127.0.0.1",
            "",
            f"{socket.gethostname()}:7860",
        )
    )


def test_bound_to_one_address_it_answers_to_that_address():
    own = OwnNames.of("192.168.1.20", 8000)
    assert own.answers("192.168.1.20:8000") and own.answers("localhost:8000")
    assert not own.answers("192.168.1.21:8000") and not own.answers("192.168.1.20:8001")


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_bound_to_every_interface_it_answers_to_this_computers_names_and_addresses(host):
    own = OwnNames.of(host, 7860)
    assert own.answers(f"{socket.gethostname()}:7860") and own.answers(f"{socket.getfqdn()}:7860")
    assert own.answers("localhost:7860")
    # An address the request arrived at is this computer's, whichever interface it is.
    assert own.answers("10.1.2.3:7860", arrived_at="10.1.2.3")
    assert own.answers("10.1.2.3:7860", arrived_at="::ffff:10.1.2.3")  # IPv4 through an IPv6 socket
    assert not own.answers("10.1.2.4:7860", arrived_at="10.1.2.3")
    assert not own.answers("evil.example:7860", arrived_at="10.1.2.3")
    assert not OwnNames.of("127.0.0.1", 7860).answers("10.1.2.3:7860", arrived_at="10.1.2.3")


def test_allowed_hosts_add_a_reverse_proxys_names():
    own = OwnNames.of("127.0.0.1", 7860, ["art.example.com", "proxy.lan:8080"])
    assert own.answers("art.example.com") and own.answers("Art.Example.com:443")  # without a port: any port
    assert own.answers("proxy.lan:8080") and not own.answers("proxy.lan:7860")
    assert not own.answers("evil.example:7860")
