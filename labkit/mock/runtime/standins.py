"""Stand-ins for well-known public images, served inside labkit's own process: no program of theirs runs.

nginx and httpd serve their welcome page on port 80 from the task's copy of the image (so a page COPYd over
`/usr/share/nginx/html/index.html` is served instead), with an access log line per request as they write one;
any other image idles until stopped. A stand-in stops at once when signalled, exit code 0. All stand-ins of a
process share one thread that accepts connections; each request is answered on a thread of its own.
"""

from __future__ import annotations

import io
import os
import selectors
import socket
import threading
from collections.abc import Callable
from datetime import datetime
from http.server import SimpleHTTPRequestHandler
from typing import Any

NGINX_PAGE = """<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and working.</p>
<p><em>Thank you for using nginx.</em> (This is labkit's stand-in for nginx, in mock mode.)</p>
</body>
</html>
"""
HTTPD_PAGE = "<html><body><h1>It works!</h1></body></html>\n"
#: kind -> (the folder the server serves, its default page, its Server header)
SITES = {"nginx": ("/usr/share/nginx/html", NGINX_PAGE, "nginx"),
         "httpd": ("/usr/local/apache2/htdocs", HTTPD_PAGE, "Apache")}
PORT = 80


def describe(kind: str, image: str, port: int = PORT) -> str:
    """What a stand-in is, for its log."""
    if kind in SITES:
        return (f"[labkit mock] stand-in for {image}: serves its welcome page on port {port} (no {kind} really "
                "runs in mock mode)")
    return (f"[labkit mock] stand-in for {image}: labkit cannot run this image, so it only idles until stopped "
            "(images built on an official Python image with labkit.deploy.push_image run for real)")


class StandIn:
    """One stand-in container: a loopback listener for nginx and httpd, nothing for an idle one."""

    def __init__(self, kind: str, image: str, root: str, port: int | None,
                 now: Callable[[], datetime]) -> None:
        self.kind, self.image, self.root, self.now, self.port = kind, image, root, now, port
        self.lines: list[str] = []
        self.exit_code: int | None = None
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        if kind in SITES and port is not None:
            if root:  # its image added files: serve them (the welcome page unless one replaced it)
                folder, page, _ = SITES[kind]
                index = os.path.join(root, folder.lstrip("/"), "index.html")
                os.makedirs(os.path.dirname(index), exist_ok=True)
                if not os.path.exists(index):
                    with open(index, "w", encoding="utf-8") as f:
                        f.write(page)
            self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._sock.bind(("127.0.0.1", port))
            self._sock.listen(64)
            _hub.add(self._sock, self._serve)

    def _serve(self, conn: socket.socket, address: Any) -> None:
        folder, page, server = SITES[self.kind]
        owner = self

        class Handler(SimpleHTTPRequestHandler):
            server_version = server
            sys_version = ""

            def send_head(self) -> Any:
                if owner.root:
                    return super().send_head()
                if self.path.split("?", 1)[0] not in ("/", "/index.html"):  # only the welcome page, from memory
                    self.send_error(404, "File not found")
                    return None
                data = page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                return io.BytesIO(data)

            def log_message(self, fmt: str, *args: Any) -> None:  # the server's access log, on stdout
                if fmt.startswith('"%s"'):
                    owner.log_request(self, args)

        try:
            Handler(conn, address, _Server(), directory=os.path.join(self.root or "/", folder.lstrip("/")))
        except OSError:
            pass
        finally:
            conn.close()

    def log_request(self, handler: Any, args: tuple[Any, ...]) -> None:
        when = self.now()
        agent = handler.headers.get("User-Agent", "-") if getattr(handler, "headers", None) else "-"
        status, size = (args[1], args[2]) if len(args) >= 3 else ("-", "-")
        stamp = when.strftime("%d/%b/%Y:%H:%M:%S +0000")
        line = f'127.0.0.1 - - [{stamp}] "{handler.requestline}" {status} {size}'
        if self.kind == "nginx":
            line += f' "-" "{agent}"'
        with self._lock:
            self.lines.append(line)

    def drain(self) -> list[str]:
        with self._lock:
            out, self.lines = self.lines, []
        return out

    def stop(self) -> None:
        """SIGTERM or SIGKILL: a stand-in stops at once (exit code 0: nginx and httpd shut down cleanly)."""
        if self._sock is not None:
            _hub.remove(self._sock)
            self._sock = None
        if self.exit_code is None:
            self.exit_code = 0

    @property
    def alive(self) -> bool:
        return self.exit_code is None


class _Server:
    """What a request handler asks of its server."""

    server_name = "localhost"
    server_port = PORT


class _Hub:
    """One thread accepting connections for every stand-in listener of the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._selector: selectors.BaseSelector | None = None
        self._thread: threading.Thread | None = None

    def add(self, sock: socket.socket, serve: Callable[[socket.socket, Any], None]) -> None:
        with self._lock:
            if self._selector is None:
                self._selector = selectors.DefaultSelector()
            sock.setblocking(False)
            self._selector.register(sock, selectors.EVENT_READ, serve)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="labkit-standins", daemon=True)
                self._thread.start()

    def remove(self, sock: socket.socket) -> None:
        with self._lock:
            if self._selector is not None:
                try:
                    self._selector.unregister(sock)
                except (KeyError, ValueError):
                    pass
        sock.close()

    def _run(self) -> None:
        while True:
            with self._lock:
                selector = self._selector
                if selector is None or not selector.get_map():
                    self._thread = None
                    return
            for key, _ in selector.select(timeout=0.05):
                try:
                    conn, address = key.fileobj.accept()  # type: ignore[union-attr]
                except OSError:
                    continue
                conn.setblocking(True)
                conn.settimeout(10)
                threading.Thread(target=key.data, args=(conn, address), daemon=True,
                                 name="labkit-standin-request").start()


_hub = _Hub()
