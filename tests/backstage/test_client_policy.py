"""The catalog client under the HTTP policy, against loopback servers that misbehave on purpose.

A real Backstage never redirects to another host nor echoes a token; these small servers do, to show the
token stays with its origin and out of every message.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from platform_cli.backstage.client import CatalogClient, CatalogError
from platform_cli.backstage.settings import CatalogSettings
from platform_cli.errors import ExitCode
from platform_cli.secrets.model import Secret

TOKEN = "catalog-token-0123456789abcdef"


class _Recorder(BaseHTTPRequestHandler):
    seen: list[dict[str, str]]
    reply: Any  # (status, headers, body) for every request

    def do_GET(self) -> None:
        self.seen.append(dict(self.headers))
        status, headers, body = self.reply
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        data = json.dumps(body).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def _serve(reply: Any) -> Iterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []
    handler = type("Handler", (_Recorder,), {"seen": seen, "reply": reply})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def elsewhere() -> Iterator[tuple[str, list[dict[str, str]]]]:
    yield from _serve((200, {}, {"metadata": {"name": "stolen"}}))


def _client(url: str) -> CatalogClient:
    return CatalogClient(CatalogSettings(url, Secret("BACKSTAGE_TOKEN", TOKEN), "$BACKSTAGE_URL"))


def test_a_redirect_to_another_origin_is_refused_and_the_token_never_leaves(
    elsewhere: tuple[str, list[dict[str, str]]],
) -> None:
    other_url, other_seen = elsewhere
    target = f"{other_url}/api/catalog/entities/by-name/component/default/x"
    for origin_url, origin_seen in _serve((307, {"Location": target}, {})):
        client = _client(origin_url)
        with pytest.raises(CatalogError) as raised:
            client.entity("component", "default", "x")
        client.close()
        assert "redirected GET /entities/by-name/component/default/x to another origin" in str(raised.value)
        assert raised.value.exit_code == ExitCode.CHECK_FAILED
        assert origin_seen[0]["Authorization"] == f"Bearer {TOKEN}"  # the catalog itself gets it
    assert other_seen == []  # the other origin was never asked


def test_a_token_echoed_by_the_server_is_redacted_before_the_message_is_cut() -> None:
    message = "x" * 580 + f" token {TOKEN} rejected"  # the token straddles the 600-character limit
    for url, _ in _serve((500, {}, {"error": {"name": "Error", "message": message}})):
        client = _client(url)
        with pytest.raises(CatalogError) as raised:
            client.entity("component", "default", "x")
        client.close()
    text = str(raised.value)
    assert "HTTP 500 Error" in text and TOKEN[:12] not in text and TOKEN[-12:] not in text
    assert len(text) <= 600


def test_a_token_in_a_body_that_is_not_an_error_object_is_redacted_before_any_cut() -> None:
    token = "Zq9xWv7Ku3Lm5Np1Rt8Ys2Hd"
    # not Backstage's {"error": ...} shape: the client quotes the start of the body; 7 characters of the
    # token fall before the 200th character of that start, too few to be recognised as part of it once cut
    body = "y" * 192 + token + " rejected"
    for url, _ in _serve((502, {}, body)):
        client = CatalogClient(CatalogSettings(url, Secret("BACKSTAGE_TOKEN", token), "$BACKSTAGE_URL"))
        with pytest.raises(CatalogError) as raised:
            client.entity("component", "default", "x")
        client.close()
    text = str(raised.value)
    assert "HTTP 502" in text and "yyyy" in text
    assert token[:7] not in text and token[:4] not in text
