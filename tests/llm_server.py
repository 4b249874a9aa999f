"""A real HTTP server on 127.0.0.1 speaking the OpenAI and Anthropic wire formats, scripted per test.

    with running_llm_server() as server:
        server.script(OPENAI_PATH, Reply(429, headers={"Retry-After": "1"}), Reply(body=openai_body("hi")))
        ...  # point a provider at server.base_url
        assert server.count(OPENAI_PATH) == 2

Each request takes the next scripted Reply for its path; with none left it gets what the path's responder
(`server.respond(path, fn)`, fn(Recorded) -> Reply) makes of it, else a default success in that path's
format. Every request is recorded (path, headers, JSON body). The server runs in a thread
and is shut down (socket closed) when the context exits.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

OPENAI_PATH = "/v1/chat/completions"
ANTHROPIC_PATH = "/v1/messages"


def openai_body(
    text: str = "An OpenAI answer.",
    *,
    prompt_tokens: int = 12,
    completion_tokens: int = 5,
    cached_tokens: int | None = None,
    reasoning_tokens: int | None = None,
    finish_reason: str = "stop",
    refusal: str | None = None,
    model: str = "gpt-4o-2024-08-06",
    fingerprint: str | None = "fp_loopback",
) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    if cached_tokens is not None:
        usage["prompt_tokens_details"] = {"cached_tokens": cached_tokens, "audio_tokens": 0}
    if reasoning_tokens is not None:
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning_tokens}
    return {
        "id": "chatcmpl-loopback",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "system_fingerprint": fingerprint,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": None if refusal else text, "refusal": refusal},
                "finish_reason": finish_reason,
            }
        ],
        "usage": usage,
    }


def anthropic_body(
    text: str = "An Anthropic answer.",
    *,
    input_tokens: int = 12,
    output_tokens: int = 5,
    cache_read_input_tokens: int = 0,
    cache_creation_input_tokens: int = 0,
    stop_reason: str = "end_turn",
    model: str = "claude-sonnet-4-5-20250929",
) -> dict[str, Any]:
    return {
        "id": "msg_loopback",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}] if text else [],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": input_tokens,
            "cache_creation_input_tokens": cache_creation_input_tokens,
            "cache_read_input_tokens": cache_read_input_tokens,
            "output_tokens": output_tokens,
        },
    }


@dataclass(frozen=True)
class Reply:
    """One scripted answer: status, JSON body (dict) or raw text (str), headers, delay before answering."""

    status: int = 200
    body: dict[str, Any] | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass(frozen=True)
class Recorded:
    path: str
    headers: dict[str, str]
    body: Any


DEFAULTS = {OPENAI_PATH: openai_body, ANTHROPIC_PATH: anthropic_body}


class LLMServer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[Reply]] = defaultdict(deque)
        self._responders: dict[str, Callable[[Recorded], Reply]] = {}
        self.requests: list[Recorded] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                reply = server._next(Recorded(self.path, dict(self.headers.items()), body))
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                payload = reply.body if reply.body is not None else DEFAULTS.get(self.path, openai_body)()
                data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def do_GET(self) -> None:  # models lists (key checks) and Vault-style reads
                reply = server._next(Recorded(self.path, dict(self.headers.items()), None))
                payload = reply.body if reply.body is not None else {"object": "list", "data": []}
                data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="llm-loopback", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, path: str, *replies: Reply) -> None:
        with self._lock:
            self._scripts[path].extend(replies)

    def respond(self, path: str, responder: Callable[[Recorded], Reply]) -> None:
        """Answer requests to `path` that no scripted Reply is left for with `responder(request)`."""
        with self._lock:
            self._responders[path] = responder

    def count(self, path: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path == path)

    def last(self, path: str) -> Recorded:
        with self._lock:
            return [r for r in self.requests if r.path == path][-1]

    def _next(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            queue = self._scripts[recorded.path]
            if queue:
                return queue.popleft()
            responder = self._responders.get(recorded.path)
        return responder(recorded) if responder is not None else Reply()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@contextmanager
def running_llm_server() -> Iterator[LLMServer]:
    server = LLMServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
