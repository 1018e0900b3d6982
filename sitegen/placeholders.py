"""Placeholders that `sitegen init` writes for the owner to replace, found in a built Site: each one
still there is a warning on every build, naming its file and field."""

from __future__ import annotations

import re

from .config import CONFIG_FILE, PLACEHOLDER_TEXTS
from .errors import Problem
from .model import Site


# RFC 2606 section 3: names reserved for examples, never a real site or mailbox. `sitegen init`
# writes them where the owner's own addresses belong.
_PLACEHOLDER_ADDRESS = re.compile(r"(?:^|[/@.])example\.(?:com|org|net)(?=$|[/:?#])", re.IGNORECASE)


def placeholder_warnings(site: Site) -> tuple[Problem, ...]:
    """Placeholders from `sitegen init` still in the settings or an offer: example.com addresses and
    the sample sentences. They build, but visitors would find them; a warning on every build names each."""
    warnings = []
    for field, value in _setting_texts(site.config):
        if _PLACEHOLDER_ADDRESS.search(value):
            what = "an example address" if field != "base_url" else "an example address, not where your site is published"
            warnings.append(Problem(CONFIG_FILE, field=field, message=f"{value!r} is {what}", hint="replace the placeholder from sitegen init with your own"))
        elif PLACEHOLDER_TEXTS.get(field) == value:
            warnings.append(Problem(CONFIG_FILE, field=field, message=f"still the sample text {value!r}", hint="write your own"))
    for offer in site.offers:
        if _PLACEHOLDER_ADDRESS.search(offer.cta_url):
            warnings.append(
                Problem(
                    offer.source_path,
                    field="cta.url",
                    message=f"{offer.cta_url!r} is an example address: the call to action leads nowhere",
                    hint="point it at your real order page, or delete this sample offer",
                )
            )
    return tuple(warnings)


def _setting_texts(value: object, field: str = ""):
    """(dotted field, text) for every text in the settings, walked field by field (pydantic's own
    serializer would build its validators, which unchanged settings never need)."""
    if isinstance(value, str):
        yield field, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _setting_texts(item, f"{field}.{key}" if field else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _setting_texts(item, f"{field}[{index}]")
    elif hasattr(type(value), "model_fields"):
        for name in type(value).model_fields:
            yield from _setting_texts(getattr(value, name), f"{field}.{name}" if field else name)
