import socket

import pytest
import requests

from tests.conftest import OutboundNetworkBlocked


def test_a_call_to_a_non_loopback_address_fails_in_tests():
    with pytest.raises((OutboundNetworkBlocked, requests.exceptions.ConnectionError)) as caught:
        requests.get("http://192.0.2.1/", timeout=1)
    assert "loopback" in str(caught.value)


def test_raw_sockets_are_guarded_too():
    with socket.socket() as sock, pytest.raises(OutboundNetworkBlocked):
        sock.connect(("203.0.113.5", 80))


def test_loopback_stays_reachable():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.socket() as client:
            client.connect(server.getsockname())
