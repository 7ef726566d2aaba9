"""The network guard of tests/conftest.py: loopback and Unix sockets pass, anything else fails."""

from __future__ import annotations

import socket

import aiohttp
import pytest


def test_a_connection_off_loopback_is_refused_and_fails_the_test(network_guard) -> None:
    with socket.socket() as sock, pytest.raises(OSError, match="network guard"):
        sock.connect(("192.0.2.1", 443))  # TEST-NET-1: never reached
    with socket.socket(socket.AF_INET6) as sock, pytest.raises(OSError, match="network guard"):
        sock.connect_ex(("2001:db8::1", 443, 0, 0))
    assert network_guard.refused == [
        "connect to ('192.0.2.1', 443)",
        ("connect to ('2001:db8::1', 443, 0, 0)"),
    ]
    network_guard.refused.clear()  # this test wanted them; any other test fails on them


def test_a_name_lookup_other_than_localhost_is_refused(network_guard) -> None:
    with pytest.raises(OSError, match="network guard"):
        socket.getaddrinfo("api.telegram.org", 443)
    assert socket.getaddrinfo("localhost", 80)
    assert socket.getaddrinfo("127.0.0.1", 80)
    assert network_guard.refused == ["name lookup of 'api.telegram.org'"]
    network_guard.refused.clear()


async def test_an_http_client_cannot_reach_the_internet_even_if_it_catches_errors(
    network_guard,
) -> None:
    async with aiohttp.ClientSession() as client:
        with pytest.raises(aiohttp.ClientError):
            await client.get("https://openapi.zalo.me/v2.0/oa/getoa")
    assert network_guard.refused == ["name lookup of 'openapi.zalo.me'"]
    network_guard.refused.clear()


def test_loopback_and_unix_sockets_pass(network_guard, tmp_path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        with socket.create_connection(server.getsockname()) as client:
            assert client.getpeername()[0] == "127.0.0.1"
        with socket.create_connection(("localhost", server.getsockname()[1])):
            pass
    path = str(tmp_path / "s.sock")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(path)
        server.listen()
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(path)
    assert network_guard.refused == []
