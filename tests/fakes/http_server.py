"""Serve an ``httpx`` handler (a fake server such as :class:`FakeJellyfin`) over real HTTP.

Clients that cannot take an ``httpx`` transport -- ffmpeg reading a stream -- need
a socket. The server binds port 0 (no free-port race) and runs in a thread;
each request becomes an ``httpx.Request`` for the handler, whose response is
written back as is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

__all__ = ["serve_handler"]


@contextmanager
def serve_handler(handle: Callable[[httpx.Request], httpx.Response]) -> Iterator[str]:
    """A base URL (``http://127.0.0.1:<port>``) answering every request with ``handle``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            size = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(size) if size else b""
            request = httpx.Request(self.command, f"{base}{self.path}",
                                    headers=list(self.headers.items()), content=body)
            try:
                response = handle(request)
            except httpx.TransportError:
                self.close_connection = True
                return
            content = response.read()
            self.send_response(response.status_code)
            for key, value in response.headers.multi_items():
                if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(key, value)
            length = (response.headers.get("content-length", str(len(content)))
                      if self.command == "HEAD" else str(len(content)))
            self.send_header("Content-Length", length)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(content)

        do_GET = do_HEAD = do_POST = do_DELETE = do_PUT = _answer

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_port}"
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="fake-http", daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
