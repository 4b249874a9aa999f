"""The providers' transport (platform_cli.httptransport) keeps the HTTP policy of `new_session()`: proxies
from the environment per origin (read once), bounded answers even without a Content-Length, and the CA
bundle variables requests honours. Real servers on 127.0.0.1; the "proxy" is the loopback LLM server,
which answers an absolute-form request line as a forwarding proxy receives it."""

from __future__ import annotations

import contextlib
import http.server
import socket
import ssl
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from llm_server import OPENAI_PATH, running_llm_server

from platform_cli.httpclient import ResponseTooLarge
from platform_cli.httptransport import PolicyTransport, TransportError
from platform_cli.manifest import ProviderSpec
from platform_cli.providers import BuildContext, ProviderError, build_provider
from platform_cli.secrets import Secret

BODY = b'{"model": "m", "messages": []}'
TIMEOUT = (2.0, 5.0)


@pytest.fixture(autouse=True)
def _no_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def test_a_proxy_variable_routes_the_providers_calls_per_origin_read_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with running_llm_server() as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://team:s3cret@127.0.0.1:{proxy.base_url.rsplit(':', 1)[1]}")
        monkeypatch.setenv("NO_PROXY", "direct.invalid")
        spec = ProviderSpec("primary", "openai-compatible", "m-2024-01-01", base_url="http://models.invalid",
                            api_key_secret="K", max_retries=0)  # fmt: skip
        provider = build_provider(spec, BuildContext(Path("."), keys=lambda name: Secret(name, "sk-k" * 8)))
        assert provider.complete([{"role": "user", "content": "hi"}], {}).text  # type: ignore[attr-defined]
        seen = proxy.requests[-1]
        # a forwarding proxy gets the whole URL, and the proxy's credentials as Proxy-Authorization
        assert seen.path == "http://models.invalid" + OPENAI_PATH
        assert seen.headers.get("Proxy-Authorization") == "Basic dGVhbTpzM2NyZXQ="

        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # read once per transport: still the first
        provider.complete([{"role": "user", "content": "again"}], {})  # type: ignore[attr-defined]
        assert len(proxy.requests) == 2

        transport = PolicyTransport()  # NO_PROXY: a direct connection, which .invalid cannot have
        with pytest.raises(TransportError):
            transport.post("http://direct.invalid/v1/chat/completions", BODY, {}, TIMEOUT)
        assert len(proxy.requests) == 2
        transport.close()


def _read_request(conn: socket.socket) -> None:
    """Read one whole request (head and Content-Length body): a server closing with unread bytes would
    reset the connection before the client reads the answer."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)  # fmt: skip
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return
        body += chunk


@contextlib.contextmanager
def _raw_server(answer: bytes, *, ends_by_closing: bool = False) -> Iterator[str]:
    """A server that reads each request whole and sends `answer` as it is (head and body); then it closes
    (`ends_by_closing`: a body with no length ends there) or waits until the client is done with it."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn, contextlib.suppress(OSError):  # the client may hang up at its bound
                _read_request(conn)
                conn.sendall(answer)
                if ends_by_closing:
                    continue
                conn.settimeout(30)
                while conn.recv(65536):  # until the client closes
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
        thread.join(5)


@pytest.fixture
def endless_server() -> Iterator[str]:
    """Answers every request with a body of 64 KiB and no Content-Length (ends by closing)."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
    with _raw_server(head + b"[" + b"1," * 32768, ends_by_closing=True) as url:
        yield url


def test_an_answer_without_a_length_is_cut_off_at_the_bound(endless_server: str) -> None:
    transport = PolicyTransport(max_response_bytes=1000)
    with pytest.raises(ResponseTooLarge, match="answered more than 1000 bytes"):
        transport.post(endless_server + "/v1/chat/completions", BODY, {}, TIMEOUT)
    spec = ProviderSpec("primary", "openai-compatible", "m-2024-01-01", base_url=endless_server,
                        api_key_secret="K", max_retries=0)  # fmt: skip
    provider = build_provider(spec, BuildContext(Path("."), keys=lambda name: Secret(name, "sk-k" * 8)))
    with pytest.raises(ProviderError, match="not JSON"):  # under the usual bound: read whole, then refused
        provider.complete([{"role": "user", "content": "hi"}], {})  # type: ignore[attr-defined]
    transport.close()


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTPS server on 127.0.0.1 whose certificate a throwaway CA signed; (its URL, the CA's PEM file)."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    ca_file = tmp_path / "corporate-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            data = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", ca_file
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_tls_verifies_against_the_ca_bundle_variables(
    tls_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, ca_file = tls_server
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with pytest.raises(ssl.SSLCertVerificationError):  # certifi's bundle does not know the throwaway CA
        PolicyTransport().post(url + "/v1/chat/completions", BODY, {}, TIMEOUT)
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.setenv(variable, str(ca_file))
        transport = PolicyTransport()
        for _ in range(3):  # the second and third reuse the kept-alive TLS connection
            assert transport.post(url + "/v1/chat/completions", BODY, {}, TIMEOUT).json() == {"ok": True}
        transport.close()
        monkeypatch.delenv(variable)


@pytest.fixture
def gzip_bomb_server() -> Iterator[str]:
    """Answers with 200 MiB of zeros, gzip-compressed to ~200 KB, with an honest Content-Length."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: the gzip container
    megabyte = b"0" * (1024 * 1024)
    payload = b"".join(compressor.compress(megabyte) for _ in range(200)) + compressor.flush()
    head = f"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {len(payload)}\r\n\r\n"
    with _raw_server(head.encode() + payload) as url:
        yield url


def test_a_compressed_answer_is_bounded_after_decompression(gzip_bomb_server: str) -> None:
    # in a fresh interpreter, so its peak memory is this request's and not the test session's
    script = (
        "import resource, sys\n"
        "from platform_cli.httptransport import PolicyTransport\n"
        "from platform_cli.httpclient import ResponseTooLarge\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        "    PolicyTransport().post(sys.argv[1] + '/v1/chat/completions', b'{}', {}, (5.0, 10.0))\n"
        "except ResponseTooLarge as error:\n"
        "    print('refused', error)\n"
        "print('grew_kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, gzip_bomb_server],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "refused" in done.stdout and "answered more than 8388608 bytes" in done.stdout, done.stdout
    grew_kib = int(done.stdout.split("grew_kib ")[1])
    assert grew_kib < 64 * 1024, f"decompressing the refused answer took {grew_kib} KiB"  # not 200 MiB
