"""Page heads: the title, description, canonical URL, social preview and JSON-LD of each HTML page."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from .business import DAYS
from .model import Item, Offer, Post, Site

@dataclass(frozen=True)
class FeedLink:
    """An autodiscovery link: <link rel="alternate" type=... title=... href=...>."""

    title: str
    type: str
    url: str
    """Site-relative."""


@dataclass(frozen=True)
class Head:
    """What goes in an HTML page's <head>: title, description, canonical and sharing metadata."""

    title: str
    description: str
    canonical: str
    """Absolute URL."""
    image: str | None
    """Absolute URL of the social preview image: the item's, else the site's default card (no default
    here, so that no kind of page can be planned without one)."""
    og_type: str = "website"
    noindex: bool = False
    jsonld: str | None = None
    """JSON-LD, already serialised."""
    published: dt.datetime | None = None
    modified: dt.datetime | None = None
    feeds: tuple[FeedLink, ...] = ()
    """Feeds this page links for autodiscovery: the site's, plus its topic's."""


def social_image(site: Site, item: Item | None) -> str | None:
    """The social preview image; SVG falls back to the site's image, as Facebook and X show no SVG previews."""
    image = item.image if item and item.image and not item.image.lower().endswith(".svg") else site.config.image
    return site.absolute(image) if image else None


def item_head(site: Site, item: Item) -> Head:
    return Head(f"{item.title} · {site.config.title}", item.description or site.config.description, item.permalink, social_image(site, item))


def _organization(site: Site) -> dict:
    config = site.config
    business = config.business
    data: dict[str, Any] = {"@type": "Organization", "name": config.business_name, "url": site.absolute("/")}
    if config.image:
        data["logo"] = site.absolute(config.image)
    if business.email:
        data["email"] = business.email
    if business.phone:
        data["telephone"] = business.phone
    if business.address:
        data["address"] = business.address
    if config.social:
        data["sameAs"] = list(config.social.values())
    return data


DAY_URLS = tuple(f"https://schema.org/{day.capitalize()}" for day in DAYS)
"""schema.org's DayOfWeek members, Monday first."""


def _local_business(site: Site) -> dict:
    """The home page's description of the business: an Organization, or, when it is a place to visit
    (an address or opening hours, or a type set in the settings), a LocalBusiness of business.type with
    its address, image and opening hours (Google's LocalBusiness structured data guidelines)."""
    config = site.config
    business = config.business
    data = _organization(site)
    if not (business.address_line or business.hours or "type" in business.model_fields_set):
        return data
    data["@type"] = business.type
    data["@id"] = site.absolute("/") + "#business"
    image = business.image or config.image
    if image:
        data["image"] = site.absolute(image)
    if business.address_line:
        parts = {
            "streetAddress": business.street,
            "addressLocality": business.locality,
            "addressRegion": business.region,
            "postalCode": business.postal_code,
            "addressCountry": business.country,
        }
        if not any(parts.values()):  # only the one-line address: the whole line is the best we know
            parts["streetAddress"] = business.address_line
        data["address"] = {"@type": "PostalAddress", **{key: value for key, value in parts.items() if value}}
    if business.map_url:
        data["hasMap"] = business.map_url
    # Closing at "24:00" is written "23:59", and a day closed by special hours opens and closes at "00:00",
    # as Google's guidelines for LocalBusiness opening hours ask.
    specifications = [
        {"@type": "OpeningHoursSpecification", "dayOfWeek": [DAY_URLS[day] for day in row.days], "opens": row.opens, "closes": _closing(row.closes)}
        for row in business.hours
    ]
    for line in site.hours.special:
        row = line.row
        special = {"@type": "OpeningHoursSpecification", "opens": row.opens or "00:00", "closes": _closing(row.closes or "00:00")}
        special.update(validFrom=row.date.isoformat(), validThrough=row.last.isoformat())
        if row.note:
            special["name"] = row.note
        specifications.append(special)
    if specifications:
        data["openingHoursSpecification"] = specifications
    return data


def _closing(time: str) -> str:
    return "23:59" if time == "24:00" else time


def _jsonld(data: dict) -> str:
    text = json.dumps({"@context": "https://schema.org", **data}, ensure_ascii=False, sort_keys=True)
    # Inside <script>, "</" could end the element early (HTML spec, script data state); JSON allows "<\/".
    return text.replace("</", "<\\/")


def home_head(site: Site) -> Head:
    config = site.config
    title = f"{config.title} · {config.tagline}" if config.tagline else config.title
    return Head(title, config.description, site.absolute("/"), social_image(site, None), jsonld=_jsonld(_local_business(site)))


def post_head(site: Site, post: Post) -> Head:
    data: dict[str, Any] = {
        "@type": "BlogPosting",
        "headline": post.title,
        "description": post.description,
        "url": post.permalink,
        "mainEntityOfPage": post.permalink,
        "datePublished": post.date.isoformat(),
        "dateModified": post.last_modified.isoformat(),
        "publisher": _organization(site),
        "wordCount": post.words,
    }
    if post.author:
        data["author"] = {"@type": "Person", "name": post.author.name, "url": site.absolute(post.author.url)}
    if post.image:
        data["image"] = site.absolute(post.image)
    if post.tags:
        data["keywords"] = [t.name for t in post.tags]
    head = item_head(site, post)
    return Head(head.title, head.description, head.canonical, head.image, "article", jsonld=_jsonld(data), published=post.date, modified=post.last_modified)


def offer_head(site: Site, offer: Offer) -> Head:
    offer_data: dict[str, Any] = {
        "@type": "Offer",
        "url": offer.permalink,
        "availability": "https://schema.org/Discontinued" if offer.expired else "https://schema.org/InStock",
    }
    if offer.price is not None:
        offer_data.update(price=f"{offer.price:.2f}", priceCurrency=offer.currency)
    if offer.valid_from:
        offer_data["validFrom"] = offer.valid_from.isoformat()
    if offer.valid_until:
        offer_data["priceValidUntil"] = offer.valid_until.date().isoformat()
    offer_data["seller"] = {"@type": "Organization", "name": site.config.business_name, "url": site.absolute("/")}
    data = {"@type": "Product", "name": offer.title, "description": offer.description, "offers": offer_data}
    if offer.image:
        data["image"] = site.absolute(offer.image)
    head = item_head(site, offer)
    return Head(head.title, head.description, head.canonical, head.image, noindex=offer.expired or not offer.listed, jsonld=_jsonld(data))
