"""The model's small functions that several steps and templates share: an offer's phase, a topic's title."""

from __future__ import annotations

import datetime as dt

from markupsafe import Markup

from sitegen.model import offer_phase, taxonomy_title

UTC = dt.timezone.utc
MARCH_1, MARCH_31 = dt.datetime(2026, 3, 1, tzinfo=UTC), dt.datetime(2026, 3, 31, 23, 59, tzinfo=UTC)


def test_an_offer_is_upcoming_then_current_then_ended():
    assert offer_phase(MARCH_1, MARCH_31, MARCH_1 - dt.timedelta(minutes=1)) == "upcoming"
    assert offer_phase(MARCH_1, MARCH_31, MARCH_1) == "current"  # from its first minute
    assert offer_phase(MARCH_1, MARCH_31, MARCH_31) == "current"  # to its last
    assert offer_phase(MARCH_1, MARCH_31, MARCH_31 + dt.timedelta(minutes=1)) == "ended"
    assert offer_phase(None, None, MARCH_1) == "current"
    assert offer_phase(None, MARCH_1, MARCH_31) == "ended"
    assert offer_phase(MARCH_31, None, MARCH_1) == "upcoming"


def test_topic_titles_for_pages_and_sentences():
    assert [taxonomy_title(kind, "Bread") for kind in ("tag", "category", "author")] == ["Posts about Bread", "Bread", "Posts by Bread"]
    assert [taxonomy_title(kind, "Bread", in_sentence=True) for kind in ("tag", "category", "author")] == [
        "posts about Bread", "posts in Bread", "posts by Bread"
    ]


def test_a_topic_title_around_a_link_stays_markup():
    link = Markup('<a href="/tags/x/">{}</a>').format("Fish & chips")
    title = taxonomy_title("tag", link, in_sentence=True)
    assert isinstance(title, Markup) and title == 'posts about <a href="/tags/x/">Fish &amp; chips</a>'
