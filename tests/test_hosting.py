"""[publish] in sitegen.toml and the destination addresses `sitegen publish` understands."""

from __future__ import annotations

import pytest

from sitegen.config import load_config
from sitegen.errors import SitegenError
from sitegen.hosting import Destination, parse_destination

from .conftest import BASE_CONFIG


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("sftp://ann@example.com/var/www/site", Destination("sftp", "/var/www/site", host="example.com", user="ann")),
        ("sftp://ann@example.com:2222/var/www/site/", Destination("sftp", "/var/www/site", host="example.com", user="ann", port=2222)),
        ("sftp://ann@example.com/~/public_html", Destination("sftp", "public_html", host="example.com", user="ann")),
        ("s3://my-bucket", Destination("s3", "", host="my-bucket")),
        ("s3://my-bucket/site/www/", Destination("s3", "site/www/", host="my-bucket")),
        ("file:///srv/www/bakery/", Destination("file", "/srv/www/bakery")),
        ("file://localhost/srv/www", Destination("file", "/srv/www")),
    ],
)
def test_an_address_is_parsed(address, expected):
    assert parse_destination(address) == expected


def test_an_address_is_written_back_as_given():
    for address in ("sftp://ann@example.com:2222/var/www", "sftp://ann@example.com/~/public_html", "s3://b-1/x/", "file:///srv/www"):
        assert str(parse_destination(address)) == address


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("ftp://ann@example.com/www", "expected sftp://user@host/path, s3://bucket/prefix or file:///path, got 'ftp://ann@example.com/www'"),
        ("/srv/www", "expected sftp://user@host/path, s3://bucket/prefix or file:///path, got '/srv/www' (for a folder on this computer write file:// and its absolute path)"),
        ("sftp://example.com/www", "expected sftp://user@host/path (the user name and server your host gave you), got 'sftp://example.com/www'"),
        ("sftp://ann@example.com", "expected the folder to publish into after the host (sftp://ann@example.com/~/public_html), got 'sftp://ann@example.com'"),
        ("sftp://ann@example.com:99999/www", "expected a port number from 1 to 65535 after the host, got 'sftp://ann@example.com:99999/www'"),
        ("s3://My_Bucket/x", "expected s3://bucket/prefix with a bucket name of 3-63 lower-case letters, digits, dots and hyphens, got 's3://My_Bucket/x'"),
        ("file://server/share", "expected file:///absolute/path (three slashes: a folder on this computer), got 'file://server/share'"),
        ("file:///", "expected file:/// and the absolute path of a folder that is not / itself, got 'file:///'"),
    ],
)
def test_a_wrong_address_says_what_is_expected(address, message):
    with pytest.raises(ValueError) as raised:
        parse_destination(address)
    assert str(raised.value) == message


def test_a_password_in_the_address_is_refused():
    with pytest.raises(ValueError, match="holds a password: secrets never go in sitegen.toml or on the command line; give sitegen the password in SITEGEN_SSH_PASSWORD"):
        parse_destination("sftp://ann:hunter2@example.com/www")


def test_publish_to_in_settings(make_site):
    root = make_site(extra_config='\n[publish]\nto = "s3://bakery-site/www"\n')
    assert load_config(root).publish.to == "s3://bakery-site/www"
    assert load_config(make_site(config=BASE_CONFIG)).publish.to == ""


def test_a_wrong_destination_or_a_secret_in_settings_is_one_clear_error(make_site):
    root = make_site(extra_config='\n[publish]\nto = "ftp://x@y/z"\n')
    with pytest.raises(SitegenError) as raised:
        load_config(root)
    assert [str(p) for p in raised.value.problems] == [
        "sitegen.toml: publish.to: expected sftp://user@host/path, s3://bucket/prefix or file:///path, got 'ftp://x@y/z'"
    ]
    root = make_site(extra_config='\n[publish]\nto = "sftp://ann@example.com/www"\nssh_password = "hunter2"\n')
    with pytest.raises(SitegenError) as raised:
        load_config(root)
    (problem,) = raised.value.problems
    assert str(problem).startswith(
        "sitegen.toml: publish: 'ssh_password': secrets never go in sitegen.toml, which is shared and often kept in git; "
        "`sitegen publish` reads them from the environment: SITEGEN_SSH_KEY ("
    )
    assert "SITEGEN_SSH_PASSWORD (the SFTP password" in str(problem)
