"""An OpenAI-compatible chat server on 127.0.0.1 that answers every request after a fixed delay.

    python -m bench.llm_loopback --delay-ms 50      # prints "PORT <n>", then serves until killed

Run in its own process so its CPU does not compete for the client's interpreter lock. HTTP/1.1 with
keep-alive and TCP_NODELAY, one thread per connection. `GET /count` returns how many completions it has
answered.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def serve(delay_s: float, port: int = 0) -> ThreadingHTTPServer:
    lock = threading.Lock()
    count = [0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body are two writes: with Nagle's algorithm on, the body waited for the client's
        # delayed ACK of the headers (~40 ms on Linux), so every client measured ~2x the ideal here.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body: Any = json.loads(self.rfile.read(length) or b"{}")
            time.sleep(delay_s)
            last = next((m.get("content", "") for m in reversed(body.get("messages", []))), "")
            with lock:
                count[0] += 1
            answer = {
                "id": "chatcmpl-bench", "object": "chat.completion", "model": body.get("model", "bench"),
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": f"Summary: {last[:80]}."}}],
                "usage": {"prompt_tokens": 20, "completion_tokens": 8, "total_tokens": 28},
            }  # fmt: skip
            self._send(json.dumps(answer).encode())

        def do_GET(self) -> None:
            with lock:
                self._send(json.dumps({"count": count[0]}).encode())

        def _send(self, data: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 128
    return server


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.llm_loopback")
    parser.add_argument("--delay-ms", type=float, default=50.0)
    args = parser.parse_args()
    server = serve(args.delay_ms / 1000.0)
    print(f"PORT {server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
