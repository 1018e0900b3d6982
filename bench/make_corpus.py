"""Write a deterministic benchmark site: N realistic Markdown posts with front matter.

    python bench/make_corpus.py --posts 1000 --out /tmp/corpus-1000

Each post is about 750 words, with several headings, lists, links, a code block and a table;
tags come from a pool of 50, categories from 8, authors from 5, dates spread over 10 years.
The same arguments always give the same bytes (a seeded generator, no clock).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

WORDS = (
    "bread flour water salt starter dough crumb crust oven loaf rye spelt wheat butter sugar honey "
    "morning bakery counter customer neighbour street market season autumn winter spring summer "
    "recipe method timing temperature proof shape score bake cool slice toast jam coffee espresso "
    "milk croissant pastry fold layer cinnamon cardamom apple pear plum cherry berry lemon orange "
    "almond hazelnut walnut pecan chocolate vanilla caramel cream cheese herb rosemary thyme olive "
    "the a an and or but with for from into over under after before while because although so then "
    "we you they our your their this that these those every each some many few more most less "
    "make take give keep find bring carry share taste smell feel try learn teach order collect "
    "early late quick slow warm cold fresh crisp soft dense light dark golden simple careful good"
).split()
TAGS = [f"topic-{n:02d}" for n in range(50)]
CATEGORIES = ["News", "Recipes", "Behind the Scenes", "Events", "Guides", "Offers", "Community", "Notes"]
AUTHORS = ["ava", "ben", "chloe", "dev", "eli"]
LANGUAGES = ["python", "yaml", "json", "bash", "text"]

SETTINGS = """\
title = "Benchmark Bakery"
tagline = "A site with many posts."
description = "A generated site for measuring sitegen."
base_url = "https://bench.example"
timezone = "UTC"

[feeds]
authority = "bench.example"
entries = 20
categories = false
authors = false
offers = false
updates = false

[pagination]
posts = 10
"""


def sentence(rng: random.Random, low: int = 8, high: int = 18) -> str:
    words = rng.choices(WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(sentence(rng) for _ in range(sentences))


def post_text(rng: random.Random, number: int, total: int, start: dt.datetime) -> tuple[str, str]:
    """(file name, text) of post `number`."""
    date = start + dt.timedelta(minutes=int(number * (10 * 365 * 24 * 60) / max(total, 1)))
    title = " ".join(rng.choices(WORDS, k=rng.randint(3, 7))).capitalize()
    slug = f"post-{number:05d}"
    tags = ", ".join(sorted(set(rng.sample(TAGS, rng.randint(1, 4)))))
    front = (
        f"---\ntitle: \"{title}\"\ndate: {date:%Y-%m-%d %H:%M}\ntags: [{tags}]\n"
        f"category: {rng.choice(CATEGORIES)}\nauthor: {rng.choice(AUTHORS)}\n---\n"
    )
    other = rng.randrange(total) if total > 1 else number
    parts = [
        paragraph(rng, 8),
        "<!-- more -->",
        f"## {sentence(rng, 3, 6)[:-1]}",
        paragraph(rng, 8),
        "\n".join(f"- {sentence(rng, 4, 9)}" for _ in range(rng.randint(3, 6))),
        f"See [an earlier post](/posts/post-{other:05d}/) and [the bakery](https://bench.example/about/) for more.",
        f"### {sentence(rng, 2, 5)[:-1]}",
        paragraph(rng, 8),
        f"```{rng.choice(LANGUAGES)}\n" + "\n".join(f"step_{i} = {rng.randint(1, 500)}  # {rng.choice(WORDS)}" for i in range(rng.randint(4, 8))) + "\n```",
        "| Item | Grams | Note |\n|---|---:|---|\n" + "\n".join(f"| {rng.choice(WORDS)} | {rng.randint(5, 900)} | {rng.choice(WORDS)} |" for _ in range(rng.randint(3, 6))),
        f"## {sentence(rng, 3, 6)[:-1]}",
        paragraph(rng, 11),
        "1. " + "\n1. ".join(sentence(rng, 5, 10) for _ in range(rng.randint(3, 5))),
        paragraph(rng, 7),
    ]
    return f"{date:%Y-%m-%d}-{slug}.md", front + "\n\n".join(parts) + "\n"


def make_corpus(out: Path, posts: int, seed: int = 1) -> Path:
    """Write the site into out (which must not exist or be empty)."""
    rng = random.Random(seed)
    folder = out / "content" / "posts"
    folder.mkdir(parents=True, exist_ok=True)
    (out / "sitegen.toml").write_text(SETTINGS, encoding="utf-8")
    pages = out / "content" / "pages"
    pages.mkdir(parents=True, exist_ok=True)
    (pages / "about.md").write_text("---\ntitle: About\nmenu: 1\n---\n" + paragraph(rng, 6) + "\n", encoding="utf-8")
    start = dt.datetime(2016, 1, 1, 8, 0)
    for number in range(posts):
        name, text = post_text(rng, number, posts, start)
        (folder / name).write_text(text, encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, required=True, help="how many posts")
    parser.add_argument("--out", type=Path, required=True, help="the site folder to write")
    parser.add_argument("--seed", type=int, default=1, help="the random seed (default 1)")
    arguments = parser.parse_args()
    make_corpus(arguments.out, arguments.posts, arguments.seed)
    print(f"wrote {arguments.posts} posts to {arguments.out}")


if __name__ == "__main__":
    main()
