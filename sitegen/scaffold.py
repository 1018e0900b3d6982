"""Files `sitegen init` and `sitegen new` write."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from .config import PLACEHOLDER_TEXTS
from .errors import Problem, SitegenError


def _quote(text: str) -> str:
    """A YAML/TOML-safe double-quoted string (JSON strings are valid in both)."""
    return json.dumps(text, ensure_ascii=False)


def write_scaffold(directory: Path, *, title: str, today: dt.date) -> list[Path]:
    """Write a small working site into directory; returns the files written."""
    until = today + dt.timedelta(days=30)
    files = {
        "sitegen.toml": f"""# Settings for sitegen: every key is documented in the README.
title = {_quote(title)}
tagline = {_quote(PLACEHOLDER_TEXTS["tagline"])}
description = {_quote(PLACEHOLDER_TEXTS["description"])}
base_url = "https://example.com"
language = "en"
timezone = "UTC"

[business]
name = {_quote(title)}
type = "LocalBusiness"    # or a more specific schema.org type: Bakery, Restaurant, Store, HairSalon, ...
email = "hello@example.com"
phone = ""
address = ""

# Opening hours, one table per row; a day no row names is a closed day.
[[business.hours]]
days = "mon-fri"
opens = "09:00"
closes = "17:00"

# A holiday or other day that differs: without opens and closes, closed all day.
# [[business.special_hours]]
# date = {today.year}-12-25
# note = "Christmas Day"

[authors.owner]
name = "The Owner"
bio = "Runs the place."

[[navigation]]
title = "Offers"
url = "/offers/"

[social]

[pagination]
posts = 10

# The email sign-up form on the Subscribe page. With a mailing service (Buttondown, Mailchimp, ...),
# copy the address and field names of the service's own sign-up form into [subscribe.provider].
[subscribe]
pitch = "One email when there's something new. No spam; unsubscribe in one click."
button = "Subscribe"
# [subscribe.provider]
# action = "https://your-mailing-service.example/subscribe"
# email_field = "email"
# name_field = "first_name"       # to ask for a first name too
# hidden = {{ list = "your-list-id" }}

# Or your own subscriber list, and sending the newsletter yourself (see the README). Passwords and
# keys never go in this file: sitegen reads SITEGEN_SMTP_PASSWORD and SITEGEN_DKIM_KEY from the environment.
# [subscribers]
# url = "https://subscribe.example.com"
# database = "private/subscribers.sqlite3"
# [sending]
# from = {_quote(title + " <news@example.com>")}
# reply_to = "hello@example.com"
# smtp_host = "smtp.example.com"
# smtp_port = 587
# smtp_user = "news@example.com"
# dkim_selector = "sitegen"
# rate = 10                       # messages a second, at most
""",
        f"content/posts/{today:%Y-%m-%d}-welcome.md": f"""---
title: Welcome to our new website
date: {today:%Y-%m-%d}
tags: [news]
category: News
author: owner
---
This is your first post. Write posts in Markdown in `content/posts/`, one file each.

<!-- more -->

Readers can follow new posts in their feed reader. See [about us](../pages/about.md).
""",
        "content/pages/about.md": """---
title: About us
menu: 1
summary: Who we are and what we do.
---
Tell your story here.
""",
        "content/offers/first-offer.md": f"""---
title: Our opening offer
summary: 10% off your first order.
price: 18.00
was: 20.00
currency: USD
cta: {{label: Order now, url: "https://example.com/order"}}
valid_from: {today:%Y-%m-%d}
valid_until: {until:%Y-%m-%d}
code: WELCOME10
---
Describe what the customer gets, in a few short lines.
""",
        "content/static/.gitkeep": "",
        # private/: your offers' tracked links and QR codes (and later subscriber data): not for git or the public.
        ".gitignore": "output/\n.sitegen-cache/\nprivate/\n",
    }
    written = []
    for relative, text in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def new_item(root: Path, kind: str, title: str, slug: str, now: dt.datetime) -> Path:
    """Write a new post, page or offer with filled-in front matter; never overwrites a file."""
    if kind == "post":
        path = root / "content" / "posts" / f"{now:%Y-%m-%d}-{slug}.md"
        front = f"title: {_quote(title)}\ndate: {now:%Y-%m-%d %H:%M}\ntags: []\ndraft: true\n"
        body = "Write the first paragraph here; it becomes the summary.\n"
    elif kind == "page":
        path = root / "content" / "pages" / f"{slug}.md"
        front = f"title: {_quote(title)}\nsummary: \"\"\n"
        body = "Write the page here.\n"
    else:
        path = root / "content" / "offers" / f"{slug}.md"
        until = now + dt.timedelta(days=30)
        front = (
            f"title: {_quote(title)}\nsummary: \"\"\nprice: 0.00\ncurrency: USD\n"
            f"cta: {{label: \"Order now\", url: \"https://example.com/order\"}}\n"
            f"valid_from: {now:%Y-%m-%d}\nvalid_until: {until:%Y-%m-%d}\ndraft: true\n"
        )
        body = "What the customer gets, in a few short lines.\n"
    if path.exists():
        raise SitegenError([Problem(str(path), message="already exists; choose another title or --slug")])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    return path
