"""WebSub: remember which feeds changed, and tell the hub (https://www.w3.org/TR/websub/ section 7)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlencode

from .cache import CACHE_DIR
from .errors import Problem
from .files import write_atomically

PENDING = "websub-pending.json"


def pending_path(root: Path) -> Path:
    """Where feeds waiting to be announced are listed."""
    return root / CACHE_DIR / PENDING


def read_pending(root: Path) -> list[str]:
    """Absolute URLs of feeds that changed since the last successful ping."""
    try:
        urls = json.loads(pending_path(root).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, UnicodeDecodeError):
        return []
    return sorted({u for u in urls if isinstance(u, str)}) if isinstance(urls, list) else []


def write_pending(root: Path, urls: Iterable[str]) -> None:
    """Replace the list of feeds waiting to be announced (atomically)."""
    target = pending_path(root)
    write_atomically(target, json.dumps(sorted(set(urls)), indent=0).encode("utf-8"), mode=0o600)


def ping_hub(hub: str, feed_urls: Iterable[str], timeout: float = 10.0) -> tuple[list[str], list[Problem]]:
    """POST hub.mode=publish for each feed; returns (announced URLs, problems)."""
    import urllib.error  # here: every build imports this module, only `sitegen ping` needs HTTP
    import urllib.request

    announced, problems = [], []
    for url in feed_urls:
        body = urlencode({"hub.mode": "publish", "hub.url": url}).encode()
        request = urllib.request.Request(
            hub, data=body, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "sitegen"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
            announced.append(url)
        except urllib.error.HTTPError as error:
            detail = error.read(200).decode("utf-8", "replace").strip()
            problems.append(
                Problem("sitegen.toml", field="websub_hub", message=f"the hub {hub} refused {url}: HTTP {error.code} {error.reason}" + (f": {detail}" if detail else ""))
            )
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            problems.append(Problem("sitegen.toml", field="websub_hub", message=f"could not reach the hub {hub}: {reason}"))
            break  # the hub is unreachable: the other feeds would fail the same way
    return announced, problems
