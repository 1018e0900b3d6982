"""What people type, checked at the edge: addresses, names and topics, from the sign-up form, the
preferences page and the owner's imports alike."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import email_validator

from ..channels import consent_version
from ..meta import slugify
from ..model import Site

ALL = "all"
"""The topic that means everything: every post, offer and issue."""
OFFERS = "offers"
"""The topic of offers."""

NAME_LENGTH = 100
"""The longest first name kept; longer ones are cut."""


class FormError(ValueError):
    """Input that cannot be taken, with a message for the person who typed it."""


@dataclass(frozen=True)
class Address:
    """An email address, checked: as it is written to, and as it is compared (lower-cased)."""

    email: str
    key: str


def parse_address(text: str) -> Address:
    """An address checked for its syntax alone (no DNS look-up: that is slow and fails offline), or FormError."""
    text = (text or "").strip()
    if not text:
        raise FormError("Please type your email address.")
    try:
        # SMTPUTF8 (non-ASCII before the @) is refused: not every relay carries it, and a confirmation
        # that cannot be sent would leave the person waiting for nothing.
        checked = email_validator.validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except email_validator.EmailNotValidError as error:
        raise FormError(f"That email address does not look right: {error}") from None
    address = checked.ascii_email or checked.normalized
    return Address(address, address.lower())


def parse_name(text: str) -> str:
    """A first name as given, one line, at most NAME_LENGTH characters ('' when none)."""
    return " ".join((text or "").split())[:NAME_LENGTH]


def site_topics(site: Site) -> frozenset[str]:
    """The topics people can choose on this site (Site.topics), and `offers` even before the first offer."""
    return frozenset({OFFERS} | {topic.slug for topic in site.topics})


def parse_topics(chosen: Iterable[str], known: frozenset[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(topics, unknown): the chosen topics that exist, sorted, `all` alone when it is among them or nothing
    was chosen; and the names that are no topic of the site. Names are compared as slugs ('Cakes' is 'cakes')."""
    names = [name.strip() for name in chosen if name and name.strip()]
    slugs = {slugify(name) if name not in known else name for name in names}
    unknown = tuple(sorted(slug for slug in slugs if slug not in known))
    topics = slugs & known
    if not topics or ALL in topics:
        return (ALL,), unknown
    return tuple(sorted(topics)), unknown


def form_consent_version(form) -> str | None:
    """The version of the consent sentence the form showed: the one it sends, when it is the version of the
    sentence it sends too (a form from an older build of the site still says which sentence it showed)."""
    sentence, version = str(form.get("consent", "")), str(form.get("consent_version", ""))
    return version if version and consent_version(" ".join(sentence.split())) == version else None
