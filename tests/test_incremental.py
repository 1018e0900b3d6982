"""Incremental builds re-render only what depends on a change, and equal a clean build byte for byte."""

from __future__ import annotations

import pytest

from sitegen import build

from .conftest import NOW, Rebuilds, post, snapshot, write_files

TAGS = ["bread", "cakes", "coffee", "events", "recipes", "seasonal", "workshops", "news"]


def corpus(count: int) -> dict[str, str]:
    files = {}
    for number in range(count):
        day = f"2025-{number % 12 + 1:02d}-{number % 28 + 1:02d}"
        tags = f"[{TAGS[number % 8]}, {TAGS[(number * 3 + 1) % 8]}]"
        body = f"Post number {number}.\n\n## Details\n\nSome *text* for post {number}."
        files[f"content/posts/{day}-post-{number}.md"] = post(f"Post {number}", f"{day} {number % 24:02d}:00", body, tags=tags, category=["News", "Recipes", "Events"][number % 3], author="ann")
    files["content/pages/about.md"] = "---\ntitle: About\nmenu: 1\n---\nUs.\n"
    files["content/offers/deal.md"] = "---\ntitle: Deal\nprice: 5.00\ncta: {label: Buy, url: 'https://s.test'}\n---\nA deal.\n"
    return files


def tree(folder) -> dict[str, bytes]:
    return {path: data for path, (data, _) in snapshot(folder).items()}


def clean_build(root, tmp_path) -> dict[str, bytes]:
    out = tmp_path / "clean"
    build(root, out, now=NOW)
    return tree(out)


@pytest.fixture
def big_site(make_site):
    return make_site(corpus(200))


@pytest.mark.slow  # several builds of a 200-post site
def test_one_post_edit_renders_far_fewer_outputs(big_site, tmp_path):
    rebuild = Rebuilds()
    full = rebuild(big_site, now=NOW)
    total = len(full.plan.outputs)
    assert len(full.rendered) == total
    assert rebuild(big_site, now=NOW).rendered == ()  # nothing changed: nothing rendered

    path = big_site / "content/posts/2025-06-06-post-5.md"
    path.write_text(path.read_text().replace("Some *text*", "Some *new text*"))
    edit = rebuild(big_site, now=NOW)

    print(f"\n200 posts: full build rendered {total} outputs; one post edit re-rendered {len(edit.rendered)}")
    assert "posts/post-5/index.html" in edit.rendered
    assert len(edit.rendered) < total / 10
    # An older post's text is on no page that shows only the newest posts or the lists of terms.
    assert post_5_is_not_among_the_newest(full, NOW)
    assert not {"index.html", "tags/index.html", "categories/index.html", "authors/index.html"} & set(edit.rendered)
    assert not any(p.startswith("posts/") and p not in ("posts/post-5/index.html",) and not _neighbour(full, p) for p in edit.rendered)
    assert tree(big_site / "output") == clean_build(big_site, tmp_path)


def post_5_is_not_among_the_newest(result, now) -> bool:
    newest = result.site.posts[: result.site.config.pagination.home]
    return all(p.slug != "post-5" for p in newest)


def _neighbour(result, path: str) -> bool:
    older, newer = result.site.neighbours["/posts/post-5/"]
    return path in {f"posts/{p.slug}/index.html" for p in (older, newer) if p}


@pytest.mark.slow  # several builds of a 200-post site
def test_template_change_rerenders_only_pages_using_it(big_site, tmp_path):
    rebuild = Rebuilds()
    rebuild(big_site, now=NOW)
    write_files(big_site, {"templates/page.html": '{% extends "!theme/page.html" %}{% block main %}<p>Custom</p>{{ super() }}{% endblock %}'})
    result = rebuild(big_site, now=NOW)
    assert result.rendered == ("about/index.html",)
    assert tree(big_site / "output") == clean_build(big_site, tmp_path)


@pytest.mark.slow  # several builds of a 200-post site
def test_settings_change_rerenders_everything(big_site, tmp_path):
    rebuild = Rebuilds()
    first = rebuild(big_site, now=NOW)
    settings = big_site / "sitegen.toml"
    settings.write_text(settings.read_text().replace('tagline = "Bread worth getting up for."', 'tagline = "New tagline."'))
    result = rebuild(big_site, now=NOW)
    assert len(result.rendered) == len(first.plan.outputs)
    assert tree(big_site / "output") == clean_build(big_site, tmp_path)


@pytest.mark.slow  # several builds of a 200-post site
def test_deleting_and_adding_posts_matches_a_clean_build(big_site, tmp_path):
    rebuild = Rebuilds()
    rebuild(big_site, now=NOW)
    (big_site / "content/posts/2025-06-06-post-5.md").unlink()
    write_files(big_site, {"content/posts/2026-01-01-new.md": post("New", "2026-01-01 09:00", "Brand new.", tags="[bread, brand-new-tag]")})
    rebuild(big_site, now=NOW)
    assert tree(big_site / "output") == clean_build(big_site, tmp_path)


def test_a_summary_link_follows_its_target_when_the_target_moves(make_site, tmp_path):
    root = make_site(
        {
            "content/posts/2026-03-01-a.md": post("A", summary="'See [the menu](../pages/menu.md).'"),
            "content/pages/menu.md": "---\ntitle: Menu\n---\nBread.\n",
        }
    )
    rebuild = Rebuilds()
    rebuild(root, now=NOW)
    write_files(root, {"content/pages/menu.md": "---\ntitle: Menu\nslug: our-menu\n---\nBread.\n"})
    rebuild(root, now=NOW)
    assert b'href="/our-menu/"' in (root / "output/index.html").read_bytes()
    assert tree(root / "output") == clean_build(root, tmp_path)


def test_reordered_extra_fields_reach_templates_that_list_them(make_site, tmp_path):
    template = '{% extends "!theme/post.html" %}{% block main %}{% for key, value in post.extra.items() %}<p>{{ key }}={{ value }}</p>{% endfor %}{% endblock %}'
    root = make_site({"content/posts/2026-03-01-a.md": post("A", extra="{one: 1, two: 2}"), "templates/post.html": template})
    rebuild = Rebuilds()
    rebuild(root, now=NOW)
    write_files(root, {"content/posts/2026-03-01-a.md": post("A", extra="{two: 2, one: 1}")})
    rebuild(root, now=NOW)
    assert b"<p>two=2</p><p>one=1</p>" in (root / "output/posts/a/index.html").read_bytes()
    assert tree(root / "output") == clean_build(root, tmp_path)


@pytest.mark.slow  # several builds of a 200-post site
def test_a_card_shown_through_partial_tracks_its_template(big_site, tmp_path):
    """List pages show post cards through partial(), rendered once per build: what a card reads
    (its template too) counts for every page that shows it."""
    rebuild = Rebuilds()
    rebuild(big_site, now=NOW)
    write_files(big_site, {"templates/partials/post_card.html": '<article class="card">{{ post.title }} ({{ card_level|default(3) }})</article>'})
    result = rebuild(big_site, now=NOW)
    assert "archive/index.html" in result.rendered and "index.html" in result.rendered
    assert not any(path.startswith("posts/") for path in result.rendered)  # post pages show no cards
    assert b'<article class="card">' in (big_site / "output/archive/page/2/index.html").read_bytes()
    assert tree(big_site / "output") == clean_build(big_site, tmp_path)
