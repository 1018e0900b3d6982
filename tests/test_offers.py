"""Offer landing pages: time rules, sharing, campaign links, QR codes, promotion in posts."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from sitegen import SitegenError

from .conftest import BASE_CONFIG, REPO, Rebuilds, post, require_tool, run_cli, snapshot, watch_problems, write_files

PARIS = dt.timezone(dt.timedelta(hours=2))  # Europe/Paris in June, the test site's zone

OFFERS = {
    "content/offers/summer.md": """---
title: Summer cakes
summary: Every cake 20% off.
price: 24.00
was: 30.00
currency: EUR
cta: {label: Order now, url: "https://shop.bakery.test/cakes"}
valid_from: 2026-06-01
valid_until: 2026-06-30 18:00
code: SUMMER20
image: /static/cakes.png
terms: One per customer.
featured: true
---
You get **any cake**.
""",
    "content/offers/staff.md": """---
title: Staff discount
price: 2.00
cta: {label: Show this at the counter, url: "https://bakery.test/"}
listed: false
---
For our neighbours.
""",
    "content/offers/bread.md": """---
title: Bread club
price: 20.00
cta: {label: Join, url: "https://shop.bakery.test/club"}
valid_from: 2026-05-01
valid_until: 2026-12-31
---
A loaf a week.
""",
    "content/posts/2026-06-02-summer.md": post("Summer is here", "2026-06-02 09:00", offer="summer"),
    "content/static/cakes.png": (REPO / "content/static/images/og-default.png").read_bytes(),
}


def at(year, month, day, hour=12) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=PARIS)


def soup(path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def every_text_output(out) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.suffix in (".html", ".xml", ".json", ".opml", ".txt") and p.name not in ("robots.txt", ".sitegen-manifest.json"))


@pytest.fixture
def offer_site(make_site):
    return make_site(OFFERS)


def test_before_valid_from_no_page_unless_future(offer_site, build_at):
    build_at(offer_site, now=at(2026, 5, 20))
    out = offer_site / "output"
    assert not (out / "offers/summer").exists()
    assert "/offers/summer/" not in every_text_output(out)
    build_at(offer_site, now=at(2026, 5, 20), future=True)
    notice = soup(out / "offers/summer/index.html").select_one(".notice").get_text(" ", strip=True)
    assert notice == "Preview: this offer starts on June 1, 2026."


def test_current_offer_page(offer_site, build_at):
    build_at(offer_site, now=at(2026, 6, 15))
    page = soup(offer_site / "output/offers/summer/index.html")
    assert page.h1.get_text() == "Summer cakes"
    assert page.select_one(".price-now").get_text() == "€24.00"
    assert page.select_one(".price-was").get_text(" ", strip=True) == "was €30.00"
    assert page.select_one(".price-saving").get_text() == "save €6.00"
    calls = page.select(".cta a")
    assert [(a["href"], a.get_text()) for a in calls] == [("https://shop.bakery.test/cakes", "Order now")]
    assert page.select_one(".coupon-code").get_text() == "SUMMER20"
    assert page.select_one(".validity").get_text(" ", strip=True) == "From June 1, 2026 until June 30, 2026, 6:00 PM CEST"
    assert page.find("meta", attrs={"name": "robots"}) is None
    # A light header: one link besides the brand, nothing else leads away from the call to action.
    assert [a["href"] for a in page.select(".site-header a")] == ["/", "/subscribe/"]
    assert page.select_one(".header-follow")["href"] == "/subscribe/"
    assert page.select_one(".trust h2").get_text() == "Test Bakery"
    assert "One per customer." in page.select_one(".terms").get_text()


def test_expired_offer_page_still_built_but_ended(offer_site, build_at):
    build_at(offer_site, now=at(2026, 7, 1))
    out = offer_site / "output"
    page = soup(out / "offers/summer/index.html")
    assert page.select(".cta") == [] and page.select(".coupon-code") == []
    assert "SUMMER20" not in str(page)
    notice = page.select_one(".notice")
    assert notice.get_text(" ", strip=True).startswith("This offer has ended (it ran until June 30, 2026, 6:00 PM CEST).")
    assert notice.find("a")["href"] == "/offers/"  # the bread club is still current
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    offer_jsonld = json.loads(page.find("script", type="application/ld+json").string)["offers"]
    assert offer_jsonld["availability"] == "https://schema.org/Discontinued"


def test_expired_and_unlisted_are_left_out_of_lists_sitemap_and_feeds(offer_site, build_at):
    build_at(offer_site, now=at(2026, 7, 1))
    out = offer_site / "output"
    for path in ("index.html", "offers/index.html"):
        links = {a["href"] for a in soup(out / path).select(".offer-card .card-title a")}
        assert links == {"/offers/bread/"}, path
    assert (out / "offers/staff/index.html").is_file()  # reachable by link
    sitemap = (out / "sitemap.xml").read_text()
    assert "/offers/bread/" in sitemap and "/offers/summer/" not in sitemap and "/offers/staff/" not in sitemap
    feeds = "".join(p.read_text() for p in out.rglob("*") if p.name in ("atom.xml", "rss.xml", "feed.json"))
    assert "/offers/bread/" in feeds
    assert "/offers/summer/" not in feeds and "/offers/staff/" not in feeds


def test_featured_offer_first(offer_site, build_at):
    build_at(offer_site, now=at(2026, 6, 15))
    links = [a["href"] for a in soup(offer_site / "output/index.html").select(".offer-card .card-title a")]
    assert links == ["/offers/summer/", "/offers/bread/"]


def test_jsonld_offer_inside_the_product(offer_site, build_at):
    build_at(offer_site, now=at(2026, 6, 15))
    page = soup(offer_site / "output/offers/summer/index.html")
    data = json.loads(page.find("script", type="application/ld+json").string)
    assert data["@type"] == "Product" and data["name"] == "Summer cakes"
    assert data["image"] == "https://bakery.test/static/cakes.png"
    offer = data["offers"]
    assert offer["@type"] == "Offer"
    assert (offer["price"], offer["priceCurrency"]) == ("24.00", "EUR")
    assert dt.datetime.fromisoformat(offer["validFrom"]) == dt.datetime(2026, 6, 1, tzinfo=PARIS)
    assert offer["priceValidUntil"] == "2026-06-30"
    assert offer["availability"] == "https://schema.org/InStock"
    assert offer["url"] == "https://bakery.test/offers/summer/"
    assert page.find("meta", property="og:image")["content"] == "https://bakery.test/static/cakes.png"
    assert page.find("meta", attrs={"name": "twitter:card"})["content"] == "summary_large_image"
    assert page.find("meta", property="og:title")["content"] == "Summer cakes · Test Bakery"


def campaign_links_in(links_txt) -> dict[str, str]:
    lines = links_txt.read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.split(":", 1)[0] in ("feed", "email", "social", "print", "qr"))


def test_campaign_links_file_is_written_for_the_owner_outside_the_output(offer_site, build_at, tmp_path):
    elsewhere = tmp_path / "www"
    build_at(offer_site, output_dir=elsewhere, now=at(2026, 6, 15))  # --output elsewhere: still the site's private/
    private = offer_site / "private/offers"
    assert sorted(p.relative_to(private).as_posix() for p in private.rglob("*") if p.is_file()) == [
        ".sitegen-manifest.json",
        *(f"{slug}/{name}" for slug in ("bread", "staff", "summer") for name in ("links.txt", "qr.png", "qr.svg")),
    ]
    links = campaign_links_in(private / "summer/links.txt")
    assert sorted(links) == ["email", "feed", "print", "qr", "social"]
    for channel, url in links.items():
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://bakery.test/offers/summer/"
        query = parse_qs(parts.query)
        assert query["utm_campaign"] == ["summer"]
        assert query["utm_source"] and query["utm_medium"]
    assert len({url for url in links.values()}) == 5
    published = {p.name for p in elsewhere.rglob("*")}
    assert not published & {"links.txt", "qr.svg", "qr.png"}
    assert not (offer_site / "output").exists()


def test_nothing_published_names_an_unlisted_offer_but_its_own_page(offer_site, build_at):
    build_at(offer_site, now=at(2026, 6, 15))
    out = offer_site / "output"
    robots = (out / "robots.txt").read_text()
    assert robots == "User-agent: *\nAllow: /\n\nSitemap: https://bakery.test/sitemap.xml\n"
    own_page = out / "offers/staff/index.html"
    assert own_page.is_file()
    # Not its URL, nor its path: the host serves every file in output/, the write manifest too.
    mentions = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and b"offers/staff" in p.read_bytes())
    assert mentions == ["offers/staff/index.html"]
    assert sorted(p.relative_to(out / "offers/staff").as_posix() for p in (out / "offers/staff").rglob("*")) == ["index.html"]


def test_qr_code_in_the_private_folder_decodes_to_the_qr_link(offer_site, build_at):
    zbarimg = require_tool(shutil.which("zbarimg"), "zbarimg", "apt-get install zbar-tools")
    build_at(offer_site, now=at(2026, 6, 15))
    folder = offer_site / "private/offers/summer"
    qr_link = campaign_links_in(folder / "links.txt")["qr"]
    assert qr_link == "https://bakery.test/offers/summer/?utm_source=qr&utm_medium=print&utm_campaign=summer"
    for name in ("qr.png", "qr.svg"):
        decoded = subprocess.run([zbarimg, "--quiet", "--raw", str(folder / name)], capture_output=True, text=True)
        if name == "qr.svg" and decoded.returncode != 0:
            continue  # zbarimg reads SVG only when its ImageMagick can
        assert decoded.returncode == 0 and decoded.stdout.strip() == qr_link, (name, decoded.stderr)
    svg = (folder / "qr.svg").read_text()
    assert svg.startswith("<?xml") and "<svg" in svg and "QR code: Summer cakes" in svg


def test_owner_files_change_only_when_needed_and_leave_with_their_offer(offer_site, build_at):
    build_at(offer_site, now=at(2026, 6, 15))
    private = offer_site / "private"
    write_files(private, {"subscribers.db": b"not ours", "offers/notes.txt": "the owner's own notes"})
    before = snapshot(private)
    result = build_at(offer_site, now=at(2026, 6, 15))
    assert snapshot(private) == before  # same bytes: nothing rewritten
    assert result.owner.written == () and result.owner.removed == ()
    (offer_site / "content/offers/bread.md").unlink()
    result = build_at(offer_site, now=at(2026, 6, 16))
    assert result.owner.removed == ("bread/links.txt", "bread/qr.png", "bread/qr.svg")
    assert not (private / "offers/bread").exists()
    after = snapshot(private)
    kept = set(after) - {"offers/.sitegen-manifest.json"}  # the manifest now lists two offers
    assert {path: after[path] for path in kept} == {path: before[path] for path in kept}
    assert sorted(set(before) - set(after)) == ["offers/bread/links.txt", "offers/bread/qr.png", "offers/bread/qr.svg"]


def test_qr_codes_are_drawn_again_only_when_their_link_or_title_changes(offer_site, build_at, monkeypatch):
    from sitegen import campaign

    drawn = []
    draw = campaign.render_qr
    monkeypatch.setattr(campaign, "render_qr", lambda offer, kind: drawn.append((offer.slug, kind)) or draw(offer, kind))
    rebuild = Rebuilds(build_at)
    rebuild(offer_site, now=at(2026, 6, 15))
    assert sorted(drawn) == [(slug, kind) for slug in ("bread", "staff", "summer") for kind in ("png", "svg")]
    first = snapshot(offer_site / "private")
    drawn.clear()
    rebuild(offer_site, now=at(2026, 6, 15))
    assert drawn == [] and snapshot(offer_site / "private") == first
    path = offer_site / "content/offers/bread.md"
    path.write_text(path.read_text().replace("title: Bread club", "title: The bread club"))
    rebuild(offer_site, now=at(2026, 6, 15))
    assert drawn == [("bread", "svg"), ("bread", "png")]
    assert "QR code: The bread club" in (offer_site / "private/offers/bread/qr.svg").read_text()


def test_previews_and_the_dev_server_write_no_owner_files(offer_site, build_at, tmp_path):
    from sitegen.serve import DevServer

    build_at(offer_site, output_dir=tmp_path / "preview", base_url="https://preview.bakery.test", now=at(2026, 6, 15))
    assert not (offer_site / "private").exists()  # links to the preview would be the wrong ones to hand out
    server = DevServer(offer_site, port=0, clock=lambda: at(2026, 6, 15))
    server.start()
    try:
        assert (server.output_dir / "offers/summer/index.html").is_file()
        assert not (offer_site / "private").exists()
    finally:
        server.stop()
    build_at(offer_site, now=at(2026, 6, 15))
    assert "https://bakery.test/offers/summer/" in (offer_site / "private/offers/summer/links.txt").read_text()


@pytest.mark.slow  # real `sitegen` runs
def test_sitegen_offers_prints_state_and_links(offer_site):
    result = run_cli("offers", "--source", str(offer_site), "--now", "2026-07-01T12:00:00+02:00", check=True)
    text = result.stdout
    assert "summer: Summer cakes\n  ended 2026-06-30T18:00:00+02:00\n" in text
    assert "staff: Staff discount\n  current, no end date, unlisted (reachable by link only)\n" in text
    assert "  email:  https://bakery.test/offers/summer/?utm_source=newsletter&utm_medium=email&utm_campaign=summer\n" in text
    folder = offer_site / "private/offers/summer"
    assert f"  qr code:{folder / 'qr.svg'}, {folder / 'qr.png'} (`sitegen build` writes them)\n" in text
    run_cli("build", "--source", str(offer_site), "--now", "2026-07-01T12:00:00+02:00", check=True)
    text = run_cli("offers", "--source", str(offer_site), "--now", "2026-07-01T12:00:00+02:00", check=True).stdout
    assert f"  qr code:{folder / 'qr.svg'}, {folder / 'qr.png'}\n" in text
    assert (folder / "qr.png").is_file()


def test_post_promoting_an_offer_shows_its_card_only_while_valid(offer_site, build_at):
    build_at(offer_site, now=at(2026, 6, 15))
    promo = soup(offer_site / "output/posts/summer/index.html").select_one(".promo")
    assert promo.select_one(".card-title a")["href"] == "/offers/summer/"
    build_at(offer_site, now=at(2026, 7, 1))
    assert soup(offer_site / "output/posts/summer/index.html").select_one(".promo") is None


def test_post_promoting_a_future_offer_is_fine_but_a_missing_one_is_an_error(make_site, build_at):
    root = make_site({**OFFERS, "content/posts/2026-05-02-soon.md": post("Soon", "2026-05-02", offer="summer")})
    build_at(root, now=at(2026, 5, 20))  # summer has not started: no error, no card
    assert soup(root / "output/posts/soon/index.html").select_one(".promo") is None
    root = make_site({"content/posts/2026-05-02-soon.md": post("Soon", "2026-05-02", offer="sumer"), **{k: v for k, v in OFFERS.items() if "posts" not in k}})
    with pytest.raises(SitegenError) as caught:
        build_at(root, now=at(2026, 5, 20))
    assert [str(p) for p in caught.value.problems] == [
        "content/posts/2026-05-02-soon.md:4: offer: no offer has the slug 'sumer' (did you mean 'summer'?)"
    ]


@pytest.mark.slow  # real `sitegen` runs
def test_next_change_is_computed_printed_and_scriptable(offer_site):
    result = run_cli("build", "--source", str(offer_site), "--now", "2026-05-20T12:00:00+02:00", check=True)
    assert "next change: 2026-06-01T00:00:00+02:00" in result.stdout  # summer starts
    result = run_cli("next-change", "--source", str(offer_site), "--now", "2026-06-15T12:00:00+02:00", check=True)
    assert result.stdout == "2026-06-30T18:00:00+02:00\n"  # summer ends
    result = run_cli("next-change", "--source", str(offer_site), "--now", "2027-01-01T00:00:00+01:00", check=True)
    assert result.stdout == ""  # nothing scheduled


@pytest.mark.slow  # real `sitegen` runs
def test_now_setting_and_now_option(make_site):
    root = make_site(OFFERS, config='now = 2026-07-01T12:00:00\n' + BASE_CONFIG)
    run_cli("build", "--source", str(root), check=True)
    assert soup(root / "output/offers/summer/index.html").select_one(".notice") is not None  # ended
    run_cli("build", "--source", str(root), "--now", "2026-06-15T12:00", check=True)  # the option wins
    assert soup(root / "output/offers/summer/index.html").select_one(".cta a") is not None
    bad = run_cli("build", "--source", str(root), "--now", "tomorrow")
    assert bad.returncode == 2 and "expected an ISO 8601 date and time" in bad.stderr


@pytest.mark.browser
def test_call_to_action_above_the_fold_on_a_phone(offer_site, build_at, browser, http_server):
    build_at(offer_site, now=at(2026, 7, 1))  # summer expired, bread current
    base = http_server(offer_site / "output")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    errors = watch_problems(page)
    page.goto(base + "/offers/bread/")
    box = page.locator(".cta .button").bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(base + "/offers/summer/")
    assert page.locator(".cta .button").count() == 0
    assert page.locator(".notice").is_visible()
    assert errors == []
    page.close()


@pytest.mark.browser
def test_an_offer_ends_in_the_browser_before_the_next_build(offer_site, build_at, browser, http_server, tmp_path):
    build_at(offer_site, output_dir=tmp_path / "rebuilt", now=at(2026, 7, 1))  # the page once rebuilt after the end
    rebuilt_notice = " ".join(soup(tmp_path / "rebuilt/offers/summer/index.html").select_one(".notice").get_text().split())
    build_at(offer_site, now=at(2026, 6, 15))  # built while current; valid_until is 2026-06-30 18:00 +02:00
    base = http_server(offer_site / "output")
    contexts = []

    def open_at(moment: dt.datetime | None, javascript: bool = True):
        context = browser.new_context(java_script_enabled=javascript, viewport={"width": 390, "height": 844})
        contexts.append(context)
        page = context.new_page()
        problems = watch_problems(page)
        if moment is not None:
            page.clock.install(time=moment)
        page.goto(base + "/offers/summer/")
        return page, problems

    def shown(page) -> dict[str, bool]:
        return {what: page.locator(selector).is_visible() for what, selector in (("cta", ".cta .button"), ("code", ".coupon-code"), ("ended", ".notice"))}

    live = {"cta": True, "code": True, "ended": False}
    ended = {"cta": False, "code": False, "ended": True}
    try:
        page, problems = open_at(at(2026, 6, 30, 17))  # an hour before the end
        assert shown(page) == live
        page.clock.fast_forward("01:00:01")  # the page stays open past the end
        assert shown(page) == ended
        assert "offer-ended" in page.locator("article.offer").get_attribute("class")
        assert problems == []

        page, problems = open_at(at(2026, 7, 1))  # opened after the end
        assert shown(page) == ended
        assert " ".join(page.locator(".notice").inner_text().split()) == rebuilt_notice
        assert page.locator(".notice a").get_attribute("href") == "/offers/"
        assert problems == []

        page, problems = open_at(None, javascript=False)  # the real clock is past 2026-06-30 too
        assert shown(page) == live  # without JavaScript, the page as built
    finally:
        for context in contexts:
            context.close()
