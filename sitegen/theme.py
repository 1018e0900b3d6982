"""Theme resolution: which theme folder a site uses, its template files and its static files."""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from pathlib import Path

from .content import StaticFile, find_static
from .errors import Problem, SitegenError

TEMPLATES_DIR = "templates"
THEME_PREFIX = "!theme"


@dataclass(frozen=True)
class Theme:
    """A theme on disk: templates/ and static/."""

    name: str
    root: Path


def bundled_themes() -> Path:
    """The folder of themes shipped inside the package (themes/ in the repository)."""
    return Path(str(importlib.resources.files("sitegen.themes")))


def load_theme(site_root: Path, name: str) -> Theme:
    """A bundled theme by name, else a folder relative to the site root."""
    for candidate in (bundled_themes() / name, site_root / name):
        if (candidate / TEMPLATES_DIR).is_dir():
            return Theme(name, candidate)
    available = sorted(p.name for p in bundled_themes().iterdir() if (p / TEMPLATES_DIR).is_dir())
    raise SitegenError(
        [Problem("sitegen.toml", field="theme", message=f"no theme '{name}': expected one of {', '.join(available)} or a folder with templates/ in it")]
    )


def template_files(site_root: Path, theme: Theme) -> frozenset[str]:
    """Every template file a build can load, site's and theme's.

    Jinja reloads a changed template by itself, but a file added in front of a cached one (a new
    site override) or removed needs a new environment: this set changing says so.
    """
    names = set()
    for prefix, folder in (("site:", site_root / TEMPLATES_DIR), ("theme:", theme.root / TEMPLATES_DIR)):
        if folder.is_dir():
            names.update(prefix + path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())
    return frozenset(names)


def theme_static(theme: Theme, site_static: tuple[StaticFile, ...]) -> tuple[StaticFile, ...]:
    """The theme's static files merged with the site's; the site's win on the same path."""
    merged = {f.path: f for f in find_static(theme.root / "static", "static", f"theme {theme.name}: static")}
    merged.update({f.path: f for f in site_static})
    return tuple(merged[path] for path in sorted(merged))
