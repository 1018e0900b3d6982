"""Settings: validation names the key, what was found and what was expected."""

from __future__ import annotations

import pytest

from sitegen.config import load_config
from sitegen.errors import SitegenError

from .conftest import BASE_CONFIG, write_files


def problems_for(tmp_path, text: str) -> list[str]:
    write_files(tmp_path, {"sitegen.toml": text})
    with pytest.raises(SitegenError) as caught:
        load_config(tmp_path)
    return [str(p) for p in caught.value.problems]


def test_valid_settings_load_with_defaults(tmp_path):
    write_files(tmp_path, {"sitegen.toml": BASE_CONFIG})
    config = load_config(tmp_path)
    assert config.title == "Test Bakery"
    assert config.base_url == "https://bakery.test"
    assert config.pagination.posts == 10
    assert config.permalinks.post == "/posts/{slug}/"
    assert config.authors["ann"].name == "Ann Baker"
    assert str(config.tz) == "Europe/Paris"


def test_trailing_slash_of_base_url_is_dropped(tmp_path):
    write_files(tmp_path, {"sitegen.toml": BASE_CONFIG.replace("https://bakery.test", "https://bakery.test/shop/")})
    assert load_config(tmp_path).base_url == "https://bakery.test/shop"


def test_unknown_keys_suggest_the_nearest(tmp_path):
    problems = problems_for(tmp_path, "titel = 'x'\n" + BASE_CONFIG + "[pagination]\npost = 3\n")
    assert "sitegen.toml: titel: unknown key 'titel' (did you mean 'title'?)" in problems
    assert "sitegen.toml: pagination.post: unknown key 'post' (did you mean 'posts'?)" in problems


def test_wrong_type_names_key_and_value(tmp_path):
    problems = problems_for(tmp_path, BASE_CONFIG + "[pagination]\nposts = 'ten'\n")
    assert problems == ["sitegen.toml: pagination.posts: expected a whole number, got 'ten'"]


def test_missing_required_keys_are_all_reported(tmp_path):
    problems = problems_for(tmp_path, 'title = "x"\n')
    assert problems == [
        "sitegen.toml: base_url: required, but missing",
        "sitegen.toml: description: required, but missing",
    ]


def test_bad_timezone_and_base_url(tmp_path):
    text = BASE_CONFIG.replace("Europe/Paris", "Europe/Pari").replace("https://bakery.test", "bakery.test")
    problems = problems_for(tmp_path, text)
    assert "sitegen.toml: timezone: unknown time zone 'Europe/Pari' (did you mean 'Europe/Paris'?)" in problems
    assert "sitegen.toml: base_url: expected an absolute http(s) URL like 'https://example.com', got 'bakery.test'" in problems


def test_invalid_toml_names_the_line(tmp_path):
    problems = problems_for(tmp_path, BASE_CONFIG + "oops = \n")
    assert len(problems) == 1
    assert problems[0].startswith(f"sitegen.toml:{BASE_CONFIG.count(chr(10)) + 1}: invalid TOML")


def test_missing_file_says_how_to_start(tmp_path):
    with pytest.raises(SitegenError) as caught:
        load_config(tmp_path)
    assert "run 'sitegen init'" in str(caught.value)


def test_bad_permalink_pattern(tmp_path):
    problems = problems_for(tmp_path, BASE_CONFIG + "[permalinks]\npost = '/posts/'\n")
    assert problems == ["sitegen.toml: permalinks.post: expected a pattern like '/posts/{slug}/', got '/posts/'"]


def test_author_table_unknown_key(tmp_path):
    problems = problems_for(tmp_path, BASE_CONFIG + "[authors.bob]\nname = 'Bob'\navatr = 'a.png'\n")
    assert problems == ["sitegen.toml: authors.bob.avatr: unknown key 'avatr' (did you mean 'avatar'?)"]
