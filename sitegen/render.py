"""Theme resolution, the Jinja environment, and render_output() -> bytes."""

from __future__ import annotations

import datetime as dt
import importlib.resources
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .campaign import render_links, render_qr
from .content import StaticFile, find_static
from .errors import Problem, SitegenError, raise_if
from .model import Site
from .feeds import render_feed
from .plan import Output, Plan
from .text import format_date, format_moment, format_money

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


def theme_static(theme: Theme, site_static: tuple[StaticFile, ...]) -> tuple[StaticFile, ...]:
    """The theme's static files merged with the site's; the site's win on the same path."""
    merged = {f.path: f for f in find_static(theme.root / "static", "static", f"theme {theme.name}: static")}
    merged.update({f.path: f for f in site_static})
    return tuple(merged[path] for path in sorted(merged))


def make_environment(site_root: Path, theme: Theme) -> jinja2.Environment:
    """Site templates override the theme's by name; '!theme/x.html' always reaches the theme's own."""
    theme_loader = jinja2.FileSystemLoader(theme.root / TEMPLATES_DIR)
    loader = jinja2.ChoiceLoader(
        [
            jinja2.PrefixLoader({THEME_PREFIX: theme_loader}, delimiter="/"),
            jinja2.FileSystemLoader(site_root / TEMPLATES_DIR),
            theme_loader,
        ]
    )
    env = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(["html", "xml", "opml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # Where template files are named from in messages: the site, or the themes' parent folder.
    env.sitegen_roots = (site_root, theme.root.parent.parent)  # type: ignore[attr-defined]
    env.filters.update(rel=_rel, date=format_date, moment=format_moment, money=format_money, isodate=lambda d: d.isoformat())
    return env


@jinja2.pass_context
def _rel(context: jinja2.runtime.Context, url: str) -> str:
    """A site URL as a link that works under base_url's path."""
    return context["site"].rel(url)


def render_output(env: jinja2.Environment, site: Site, plan: Plan, output: Output) -> bytes:
    """One output's bytes; template errors become problems naming the template line and the output."""
    if output.kind == "feed":
        return render_feed(site, output.item, output.format)
    if output.kind == "offer-links":
        return render_links(site, output.item)
    if output.kind == "qr":
        return render_qr(output.item, output.format)
    context = {
        "site": site,
        "config": site.config,
        "output": output,
        "head": output.head,
        "paginator": output.paginator,
        "feeds": plan.feeds,
        "channels": plan.channels,
    }
    if output.item is not None:
        context[output.kind if output.kind in ("post", "page", "offer", "year") else "taxonomy"] = output.item
    try:
        template = env.select_template(list(output.templates))
        return template.render(context).encode("utf-8")
    except jinja2.TemplateSyntaxError as error:
        raise SitegenError([Problem(_template_path(env, error.name), error.lineno, None, f"{error.message} (while rendering {output.path})")]) from None
    except jinja2.TemplateNotFound as error:
        raise SitegenError([Problem(output.source_path or output.path, None, "template", f"no template named {', '.join(output.templates)}")]) from None
    except (jinja2.UndefinedError, TypeError, ValueError, AttributeError) as error:
        name, line = _template_frame(error, env.sitegen_roots)
        raise SitegenError([Problem(name or output.path, line, None, f"{error} (while rendering {output.path})")]) from None


def render_all(env: jinja2.Environment, site: Site, plan: Plan) -> dict[str, bytes]:
    """Render every output; collect every problem, then raise them together."""
    rendered: dict[str, bytes] = {}
    problems: list[Problem] = []
    for output in plan.outputs:
        try:
            rendered[output.path] = render_output(env, site, plan, output)
        except SitegenError as error:
            problems.extend(error.problems)
    raise_if(problems)
    return rendered


def _template_frame(error: BaseException, roots: tuple[Path, ...]) -> tuple[str | None, int | None]:
    """The innermost template file and line in a traceback."""
    found: tuple[str | None, int | None] = (None, None)
    tb = error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt", ".opml", ".json")):
            found = (_short(filename, roots), tb.tb_lineno)
        tb = tb.tb_next
    return found


def _template_path(env: jinja2.Environment, name: str | None) -> str:
    return name or "<template>"


def _short(filename: str, roots: tuple[Path, ...]) -> str:
    path = Path(filename)
    for anchor in roots:
        try:
            return path.relative_to(anchor).as_posix()
        except ValueError:
            pass
    return path.as_posix()
