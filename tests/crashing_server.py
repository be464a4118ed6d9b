"""A model server that crashes: a real process on 127.0.0.1 that lists a model, then dies on
its first chat completion the way a llama.cpp build with an instruction the CPU does not allow
dies (killed by SIGSEGV, after a line in its log).

    python tests/crashing_server.py --port 8080 [--how segv|error-then-segv]

``segv``: the process kills itself on the first completion, before answering (the client sees
the connection closed without a response). ``error-then-segv``: the first completion gets an
HTTP 500, and the process dies right after it (the next request finds nothing listening).
Other arguments (``-m llama_cpp.server --model ...``) are accepted and ignored, so it can stand
in for llama-cpp-python's server. Standard library only.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

CRASH_LINE = "ggml_compute_forward: general protection fault in libggml-cpu.so (simulated)"


def _die() -> None:
    print(CRASH_LINE, flush=True)
    os.kill(os.getpid(), signal.SIGSEGV)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--how", choices=("segv", "error-then-segv"), default="segv")
    args, _rest = parser.parse_known_args(argv)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *a: Any) -> None:
            print(format % a, flush=True)

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()

        def do_GET(self) -> None:
            self._send(200, {"object": "list", "data": [{"id": "crashy", "object": "model"}]})

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if args.how == "error-then-segv":
                self._send(500, {"error": {"message": "ggml_abort: failed to allocate compute "
                                           "buffer", "type": "server_error"}})
            _die()

    print(f"listening on 127.0.0.1:{args.port}", flush=True)
    HTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
