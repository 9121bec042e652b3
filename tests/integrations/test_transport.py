"""transport.py against real sockets on 127.0.0.1: keep-alive, timeouts, decoding, TLS.

The other client tests fake the network with `responses`, which replaces the adapter's
`send`; these run the connection pool itself against a small server whose answers each
test picks by path.
"""

from __future__ import annotations

import contextlib
import datetime
import gzip
import ipaddress
import json
import socket
import ssl
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from integrations.jira import transport
from integrations.jira.transport import (
    BodyTooLarge,
    DeadlinePassed,
    Limits,
    bounded_session,
    fetch,
    parse_json,
)

BODY = json.dumps({"ok": True, "items": list(range(50))}).encode()
FAST = Limits(connect_timeout=2.0, read_timeout=0.5, deadline=5.0)


def _response(body: bytes, *headers: str, status: str = "200 OK") -> bytes:
    lines = [f"HTTP/1.1 {status}", "Content-Type: application/json", *headers]
    if not any(h.lower().startswith(("content-length", "transfer-encoding")) for h in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Server:
    """Answers each request by its path; counts the connections it accepted."""

    def __init__(self, tls: ssl.SSLContext | None = None):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.tls = tls
        self.connections = 0
        self.requests: list[str] = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self._stop = True
        self.listener.close()

    def _accept(self) -> None:
        while not self._stop:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        with contextlib.suppress(OSError, ssl.SSLError):
            if self.tls:
                sock = self.tls.wrap_socket(sock, server_side=True)
            reader = sock.makefile("rb")
            while True:
                line = reader.readline()
                if not line:
                    break
                path = line.split()[1].decode()
                length = 0
                while (header := reader.readline()) not in (b"\r\n", b""):
                    name, _, value = header.decode().partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                reader.read(length)
                self.requests.append(path)
                if not self._answer(sock, path):
                    break
        with contextlib.suppress(OSError):
            sock.close()

    def _answer(self, sock: socket.socket, path: str) -> bool:
        """Send the answer for `path`; False to close the connection after it."""
        send = sock.sendall
        if path == "/ok":
            send(_response(BODY))
        elif path == "/then-close":  # keep-alive promised, connection closed anyway
            send(_response(BODY))
            return False
        elif path == "/connection-close":
            send(_response(BODY, "Connection: close"))
            return False
        elif path == "/gzip":
            send(_response(gzip.compress(BODY), "Content-Encoding: gzip"))
        elif path == "/deflate":
            send(_response(zlib.compress(BODY), "Content-Encoding: deflate"))
        elif path == "/raw-deflate":
            packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
            body = packer.compress(BODY) + packer.flush()
            send(_response(body, "Content-Encoding: deflate"))
        elif path == "/bomb":  # 20 MB of zeros in a few kilobytes
            send(_response(gzip.compress(b"0" * (20 * transport.MB)), "Content-Encoding: gzip"))
        elif path == "/chunked":
            parts = [BODY[:10], BODY[10:]]
            body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
            send(_response(body, "Transfer-Encoding: chunked"))
        elif path == "/big":
            send(_response(b"x" * (2 * transport.MB)))
        elif path == "/slow-headers":
            time.sleep(1.5)
            send(_response(BODY))
        elif path == "/stall-body":
            send(_response(BODY)[:-10])
            time.sleep(1.5)
            return False
        elif path == "/short-body":
            send(_response(BODY)[:-10])
            return False
        elif path == "/drip":
            send(_response(b" " * 1000)[:-1000])
            for _ in range(1000):
                send(b" ")
                time.sleep(0.1)
        elif path == "/garbage":
            send(b"NOT HTTP AT ALL\r\n\r\n")
            return False
        elif path == "/odd-headers":  # a 100 Continue first, folded and repeated headers
            send(b"HTTP/1.1 100 Continue\r\nX-Ignored: 1\r\n\r\n")
            send(_response(BODY, "X-Folded: one,\r\n two", "X-Twice: a", "x-twice: b"))
        elif path == "/http10":  # no length: the body ends when the connection does
            send(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + BODY)
            return False
        elif path == "/no-content":
            send(b"HTTP/1.1 204 No Content\r\n\r\n")
        elif path == "/bad-gzip":
            send(_response(b"not gzip at all", "Content-Encoding: gzip"))
        else:
            send(_response(b"{}", status="404 Not Found"))
        return True


@pytest.fixture
def server():
    server = Server()
    yield server
    server.close()


@pytest.fixture
def session():
    with bounded_session(pool_size=4) as session:
        yield session


def get(session, url, limits=FAST):
    response, body = fetch(session, "GET", url, limits=limits)
    return response, body


def _pool(session, server):
    adapter = session.get_adapter(server.url("/"))
    (pool,) = adapter._pools.values()
    return pool


# -- keep-alive -------------------------------------------------------------------------


def test_requests_reuse_one_connection(server, session):
    for _ in range(20):
        response, body = get(session, server.url("/ok"))
        assert response.status_code == 200 and parse_json(body)["ok"] is True
    assert server.connections == 1


def test_a_connection_the_server_closed_while_idle_is_replaced_without_an_error(server, session):
    assert get(session, server.url("/then-close"))[0].status_code == 200
    time.sleep(0.1)  # the server has closed it; the pool still holds it
    for _ in range(3):
        assert parse_json(get(session, server.url("/ok"))[1])["ok"] is True
    assert server.connections == 2
    assert server.requests == ["/then-close", "/ok", "/ok", "/ok"]


def test_connection_close_is_not_pooled(server, session):
    get(session, server.url("/connection-close"))
    get(session, server.url("/ok"))
    get(session, server.url("/ok"))
    assert server.connections == 2


def test_a_body_not_read_to_the_end_does_not_go_back_to_the_pool(server, session):
    with pytest.raises(BodyTooLarge):
        get(session, server.url("/big"), Limits(max_body_bytes=transport.MB))
    assert _pool(session, server)._idle == []
    assert get(session, server.url("/ok"))[0].status_code == 200
    assert server.connections == 2


def test_idle_connections_are_bounded_and_threads_share_the_pool(server, session):
    with ThreadPoolExecutor(16) as pool:
        bodies = list(pool.map(lambda _: get(session, server.url("/ok"))[1], range(200)))
    assert all(parse_json(body)["ok"] for body in bodies)
    assert len(_pool(session, server)._idle) <= 4
    assert server.connections <= 200


def test_closing_the_session_closes_idle_connections(server):
    session = bounded_session()
    get(session, server.url("/ok"))
    pool = _pool(session, server)
    (conn,) = pool._idle
    session.close()
    assert pool._idle == [] and conn.sock is None


# -- bodies -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/gzip", "/deflate", "/raw-deflate", "/chunked"])
def test_encoded_and_chunked_bodies_are_decoded(server, session, path):
    assert get(session, server.url(path))[1] == BODY
    assert get(session, server.url("/ok"))[1] == BODY
    assert server.connections == 1


def test_the_size_cap_counts_decoded_bytes_and_stops_a_gzip_bomb_early(server, session):
    response = session.get_adapter(server.url("/")).send(
        requests.Request("GET", server.url("/bomb")).prepare(), stream=True, timeout=(2, 2)
    )
    assert len(response.raw.read(64 * 1024, decode_content=True)) <= 64 * 1024
    response.close()
    with pytest.raises(BodyTooLarge):
        get(session, server.url("/bomb"), Limits(max_body_bytes=transport.MB))


def test_a_body_that_is_not_what_its_encoding_says_is_a_decoding_error(server, session):
    with pytest.raises(requests.exceptions.ContentDecodingError):
        get(session, server.url("/bad-gzip"))


def test_a_body_cut_short_is_a_connection_error(server, session):
    with pytest.raises(requests.ConnectionError):
        get(session, server.url("/short-body"))


def test_a_response_that_is_not_http_is_a_connection_error(server, session):
    with pytest.raises(requests.ConnectionError):
        get(session, server.url("/garbage"))


def test_headers_as_urllib3_gives_them(server, session):
    response, body = get(session, server.url("/odd-headers"))
    assert body == BODY and response.status_code == 200 and response.reason == "OK"
    assert response.headers["content-type"] == "application/json"
    assert response.headers["X-Folded"] == "one, two"
    assert response.headers["X-Twice"] == "a, b"
    response, body = get(session, server.url("/no-content"))
    assert (response.status_code, body) == (204, b"")
    assert get(session, server.url("/ok"))[1] == BODY
    assert server.connections == 1


def test_a_body_that_ends_with_the_connection_is_read_and_not_pooled(server, session):
    assert get(session, server.url("/http10"))[1] == BODY
    assert _pool(session, server)._idle == []
    assert get(session, server.url("/ok"))[1] == BODY
    assert server.connections == 2


def test_requests_own_reading_works_too(server, session):
    response = session.get(server.url("/gzip"), timeout=2)
    assert response.json()["ok"] is True
    assert session.get(server.url("/ok"), timeout=2).json()["ok"] is True
    assert server.connections == 1


# -- timeouts and failures ---------------------------------------------------------------


def test_slow_headers_are_a_read_timeout(server, session):
    with pytest.raises(requests.ReadTimeout):
        get(session, server.url("/slow-headers"))


def test_a_stalled_body_is_a_read_timeout(server, session):
    with pytest.raises(requests.ReadTimeout):
        get(session, server.url("/stall-body"))


def test_a_dripping_body_is_cut_off_at_the_deadline(server, session):
    started = time.monotonic()
    with pytest.raises(DeadlinePassed):
        get(session, server.url("/drip"), Limits(read_timeout=5.0, deadline=0.5))
    assert time.monotonic() - started < 2.0
    assert _pool(session, server)._idle == []


def test_a_refused_connection_is_a_connection_error(session):
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]
    with pytest.raises(requests.ConnectionError) as info:
        get(session, f"http://127.0.0.1:{port}/ok")
    assert not isinstance(info.value, requests.Timeout)


def test_a_connect_that_times_out_is_a_connect_timeout(session, monkeypatch):
    def create_connection(address, timeout=None, *args, **kwargs):
        assert timeout == FAST.connect_timeout
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    with pytest.raises(requests.ConnectTimeout):
        get(session, "http://127.0.0.1:9/ok")


def test_the_connected_socket_has_the_read_timeout(server, session):
    get(session, server.url("/ok"))
    (conn,) = _pool(session, server)._idle
    assert conn.sock.gettimeout() == FAST.read_timeout


# -- TLS ----------------------------------------------------------------------------------


def _certificates(tmp_path, names: list[x509.GeneralName]):
    """A CA of our own (the file its certificate is in) and a server context it signed."""
    now = datetime.datetime.now(datetime.UTC)
    validity = (now - datetime.timedelta(days=1), now + datetime.timedelta(days=1))
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "server")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain = tmp_path / "server.pem"
    chain.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    return str(ca_file), context


@pytest.fixture
def tls_server(tmp_path):
    ca_file, context = _certificates(tmp_path, [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    server = Server(tls=context)
    server.ca_file = ca_file
    yield server
    server.close()


def test_an_unknown_certificate_authority_is_refused(tls_server, session):
    with pytest.raises(requests.exceptions.SSLError):
        get(session, tls_server.url("/ok"))
    assert tls_server.requests == []


def test_a_certificate_from_a_given_authority_is_accepted_and_kept_alive(tls_server, session):
    for _ in range(3):
        response = session.get(tls_server.url("/gzip"), verify=tls_server.ca_file, timeout=2)
        assert response.json()["ok"] is True
    assert tls_server.connections == 1


def test_a_certificate_for_another_host_is_refused(tmp_path, session):
    ca_file, context = _certificates(tmp_path, [x509.DNSName("jira.example.test")])
    server = Server(tls=context)
    try:
        with pytest.raises(requests.exceptions.SSLError):
            session.get(server.url("/ok"), verify=ca_file, timeout=2)
        assert server.requests == []
    finally:
        server.close()


def test_https_pools_verify_certificates_with_requests_bundle(session):
    request = requests.Request("GET", "https://acme.atlassian.net/rest/api/3/myself").prepare()
    adapter = session.get_adapter(request.url)
    pool = adapter.get_connection_with_tls_context(request, True, proxies={}, cert=None)
    adapter.cert_verify(pool, request.url, True, None)
    assert pool.ca_certs == requests.utils.DEFAULT_CA_BUNDLE_PATH
    context = transport._tls_context(pool.ca_certs, pool.ca_cert_dir)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_one_pool_per_host_and_port_and_a_bounded_number_of_them():
    adapter = bounded_session().get_adapter("http://127.0.0.1/")

    def pool(url):
        request = requests.Request("GET", url).prepare()
        return adapter.get_connection_with_tls_context(request, True, proxies={}, cert=None)

    first = pool("http://127.0.0.1:8001/a?x=1")
    assert pool("http://127.0.0.1:8001/b/c") is first
    assert pool("http://127.0.0.1:8002/a") is not first
    assert pool("https://127.0.0.1:8001/a") is not first
    pools = [pool(f"http://127.0.0.1:{port}/") for port in range(9000, 9010)]
    assert len(set(map(id, pools))) == 10 and len(adapter._pools) == 4
    assert (first.scheme, first.host, first.port) == ("http", "127.0.0.1", 8001)
