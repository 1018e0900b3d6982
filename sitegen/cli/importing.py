"""`sitegen import wordpress|jekyll|hugo SOURCE --site DIR`: move an old site in, and say what moved."""

from __future__ import annotations

import re
from pathlib import Path

import click



def _site_url(context: click.Context, parameter: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.match(r"^https?://[^/\s]+(/\S*)?$", value):
        raise click.BadParameter(f"expected the old site's address, like https://www.example.com, got {value!r}")
    return value.rstrip("/") if value else value


@click.command("import")
@click.argument("kind", type=click.Choice(["wordpress", "jekyll", "hugo"]))
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--site", "site", required=True, type=click.Path(file_okay=False, path_type=Path), help="The sitegen site to write: a new folder, or an existing site to add to.")
@click.option("--site-url", metavar="URL", callback=_site_url, help="The old site's address, when its settings do not say it (or say another).")
@click.option("--force", is_flag=True, help="Replace files in the site that differ from what the import writes.")
@click.option("--uploads", type=click.Path(exists=True, file_okay=False, path_type=Path), help="WordPress: a copy of wp-content/uploads, to copy the pictures from.")
def import_command(kind: str, source: Path, site: Path, site_url: str | None, force: bool, uploads: Path | None) -> None:
    """Import a WordPress export (EXPORT.xml), or a Jekyll or Hugo site folder, into a sitegen site.

    Posts, pages, drafts, authors, topics and images come along; every old address redirects to its
    new page, and feed readers see no post twice. The source is only read. A report of what was
    imported, and of what was not converted, is printed and saved as import-report.txt in the site.
    """
    if kind == "wordpress" and not source.is_file():
        raise click.BadParameter(f"expected the export file WordPress wrote (Tools > Export), got the folder {source}", param_hint="SOURCE")
    if kind != "wordpress" and not source.is_dir():
        raise click.BadParameter(f"expected the {kind.capitalize()} site's folder, got the file {source}", param_hint="SOURCE")
    if uploads is not None and kind != "wordpress":
        raise click.UsageError("--uploads is for WordPress exports; a Jekyll or Hugo site's pictures are in its folder")
    if _inside(site, source):
        raise click.UsageError(f"the site {site} is inside the source {source}: choose a folder outside it (the source is never changed)")
    # Only here: the importers bring markdownify and Beautiful Soup (85 ms to import), which no other command needs.
    from ..importers.common import REPORT_FILE, existing_authors, write_import
    from ..importers.hugo import read_hugo
    from ..importers.jekyll import read_jekyll
    from ..importers.wordpress import read_wordpress

    known = existing_authors(site)
    if kind == "wordpress":
        result = read_wordpress(source, str(source), site_url=site_url, uploads=uploads, authors_known=known)
    elif kind == "jekyll":
        result = read_jekyll(source, str(source), site_url=site_url, authors_known=known)
    else:
        result = read_hugo(source, str(source), site_url=site_url, authors_known=known)
    written = write_import(result, site, force=force)
    click.echo(written.report, nl=False)
    made = "wrote the site" if written.created else "added to the site"
    click.echo(f"\n{made} {site}: {len(written.written)} files written, {len(written.unchanged)} already the same; this report is saved as {site / REPORT_FILE}")
    click.echo(f"build it: sitegen build --source {site}")


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return folder.is_dir()
