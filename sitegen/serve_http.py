"""The dev server's HTTP side: files of the last good build, with the live-reload script added to
pages, Server-Sent Events when a build finishes, and the error overlay while a build fails.

It serves a `dev` object (serve.DevServer) through what it offers: output_dir, problems, generation,
stopping, wait_until_idle() and wait_for_generation()."""

from __future__ import annotations

import html
import http.server
import mimetypes
import posixpath
import socketserver
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import Problem

EVENTS_PATH = "/__sitegen/events"

# Content types browsers, feed readers and podcast apps expect (mimetypes alone guesses .xml as
# text/xml and knows no .opml or feed types).
CONTENT_TYPES = {
    "atom.xml": "application/atom+xml",
    "rss.xml": "application/rss+xml",
    "podcast.xml": "application/rss+xml",
    "feed.json": "application/feed+json",
}
EXTENSION_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml",
    ".json": "application/json",
    ".opml": "text/x-opml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
}

RELOAD_SCRIPT = """<script>
/* sitegen serve: live reload (added while serving only; the built files do not contain it). */
(function () {
  var generation = %d;
  var source = new EventSource("%s");
  source.addEventListener("build", function (event) {
    if (Number(event.data) !== generation) { source.close(); location.reload(); }
  });
})();
</script>
"""


def content_type(path: str) -> str:
    """The Content-Type to serve a file of the built site with."""
    name = posixpath.basename(path)
    if name in CONTENT_TYPES:
        return CONTENT_TYPES[name]
    extension = posixpath.splitext(name)[1].lower()
    return EXTENSION_TYPES.get(extension) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def resolve(output_dir: Path, raw_path: str) -> tuple[int, Path | str | None]:
    """Map a request path to (status, file | redirect location | None). Nothing outside the output folder."""
    path = unquote(urlsplit(raw_path).path, errors="strict")
    if "\x00" in path or "\\" in path or not path.startswith("/"):
        return 400, None
    segments = path.split("/")
    if any(segment in (".", "..") for segment in segments):
        return 400, None
    base = output_dir.resolve()
    target = (base / path.lstrip("/")).resolve()
    if target != base and base not in target.parents:
        return 404, None  # a symlink pointing out of the output folder
    if target.is_dir():
        if not path.endswith("/"):
            query = urlsplit(raw_path).query
            return 301, path + "/" + (f"?{query}" if query else "")
        target = target / "index.html"
    if not target.is_file() or target.name == ".sitegen-manifest.json":
        return 404, None
    return 200, target




class PreviewServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, dev) -> None:
        self.dev = dev
        super().__init__(address, _Handler)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet: the terminal shows builds
        pass

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head=True)

    def do_GET(self) -> None:  # noqa: N802
        if urlsplit(self.path).path == EVENTS_PATH:
            self._events()
        else:
            self._serve(head=False)

    def _serve(self, head: bool) -> None:
        dev = self.server.dev
        dev.wait_until_idle()
        try:
            status, found = resolve(dev.output_dir, self.path)
        except UnicodeDecodeError:
            status, found = 400, None
        if status == 301:
            self._send(301, b"", "text/plain; charset=utf-8", head, location=str(found))
            return
        if status == 400:
            self._send(400, b"Bad request\n", "text/plain; charset=utf-8", head)
            return
        if dev.problems and (status == 404 or str(found).endswith(".html")):
            self._send(500, _overlay(dev.problems, dev.generation), "text/html; charset=utf-8", head)
            return
        if status == 404:
            page = dev.output_dir / "404.html"
            data = page.read_bytes() if page.is_file() else b"<!doctype html><title>Not found</title><h1>Not found</h1>"
            self._send(404, _inject(data, dev.generation), "text/html; charset=utf-8", head)
            return
        data = found.read_bytes()
        kind = content_type(found.name)
        if kind.startswith("text/html"):
            data = _inject(data, dev.generation)
        self._send(200, data, kind, head)

    def _send(self, status: int, data: bytes, kind: str, head: bool, location: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        if location:
            self.send_header("Location", location)
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _events(self) -> None:
        """Server-Sent Events: the current build generation now, then each new one."""
        dev = self.server.dev
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        generation = dev.generation
        try:
            self.wfile.write(f"retry: 500\nevent: build\ndata: {generation}\n\n".encode())
            self.wfile.flush()
            while not dev.stopping:
                current = dev.wait_for_generation(generation, timeout=15)
                if current > generation:
                    generation = current
                    self.wfile.write(f"event: build\ndata: {generation}\n\n".encode())
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


def _inject(data: bytes, generation: int) -> bytes:
    """Add the live-reload script to a served page (never to the built file)."""
    script = (RELOAD_SCRIPT % (generation, EVENTS_PATH)).encode()
    index = data.rfind(b"</body>")
    return data[:index] + script + data[index:] if index >= 0 else data + script


def _overlay(problems: tuple[Problem, ...], generation: int) -> bytes:
    """The page shown instead of the site while the last build failed."""
    items = "\n".join(f"<li><code>{html.escape(str(p))}</code></li>" for p in problems)
    count = len(problems)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Build failed · sitegen</title>
<style>
body {{ margin: 0; font: 16px/1.5 system-ui, sans-serif; background: #1d1411; color: #fbe9e0; }}
main {{ max-width: 60rem; margin: 0 auto; padding: 2rem 1.25rem; }}
h1 {{ color: #ff9b85; font-size: 1.5rem; }} li {{ margin: 0.75rem 0; }}
code {{ white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.95rem; }}
</style></head>
<body><main id="sitegen-error-overlay">
<h1>The site could not be built: {count} error{'s' if count != 1 else ''}</h1>
<ul>{items}</ul>
<p>Fix the file and save it: this page reloads by itself. The last good build is still in place.</p>
</main></body></html>
"""
    return _inject(page.encode(), generation)
