"""Site-name parsing is the SSRF boundary for API-token connections: test it hard."""

import re
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from integrations.jira.sites import (
    InvalidSubdomain,
    parse_subdomain,
    site_base_url,
    site_display_host,
)

LABEL_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
DEFAULT_TEMPLATE = "https://{subdomain}.atlassian.net"

ACCEPTED = [
    ("acme", "acme"),
    ("ACME", "acme"),
    ("  acme  ", "acme"),
    ("acme\n", "acme"),
    ("\tacme.atlassian.net\r\n", "acme"),
    ("acme-corp", "acme-corp"),
    ("a", "a"),
    ("a1", "a1"),
    ("x" * 63, "x" * 63),
    ("acme.atlassian.net", "acme"),
    ("Acme.Atlassian.NET", "acme"),
    ("acme.atlassian.net/", "acme"),
    ("acme.atlassian.net///", "acme"),
    ("acme.atlassian.net/browse/KAN-1", "acme"),
    ("acme.atlassian.net?x=1", "acme"),
    ("acme.atlassian.net#top", "acme"),
    ("https://acme.atlassian.net", "acme"),
    ("https://acme.atlassian.net/", "acme"),
    ("http://acme.atlassian.net", "acme"),
    ("HTTPS://ACME.ATLASSIAN.NET/", "acme"),
    ("https://acme.atlassian.net/jira/software/projects/KAN/boards/1", "acme"),
    ("https://acme.atlassian.net/jira/software/projects/KAN/boards/1?selectedIssue=KAN-3", "acme"),
    ("https://my-team-42.atlassian.net/browse/KAN-1 ", "my-team-42"),
]


@pytest.mark.parametrize(("raw", "expected"), ACCEPTED)
def test_accepted_inputs(raw, expected):
    assert parse_subdomain(raw) == expected


HOSTILE = [
    # empty-ish
    "",
    " ",
    "\t\n",
    "/",
    "https://",
    "https:///acme.atlassian.net",
    "//acme.atlassian.net",
    # other hosts
    "acme.example.com",
    "atlassian.net",
    ".atlassian.net",
    "https://atlassian.net",
    "evil.com/acme.atlassian.net",
    "https://evil.com/acme.atlassian.net",
    "https://evil.com?acme.atlassian.net",
    "https://evil.com#acme.atlassian.net",
    "acme.atlassian.net.evil.com",
    "https://acme.atlassian.net.evil.com/",
    "acme.atlassian.net.",
    "acme.atlassian.com",
    "acme.jira.com",
    "acmeatlassian.net",
    "acme-atlassian.net",
    "a.b.atlassian.net",
    "evil.com.acme.atlassian.net",
    "https://acme",
    "http://localhost/",
    "acme/",
    "acme/browse/KAN-1",
    "metadata.google.internal",
    # IP addresses
    "127.0.0.1",
    "http://127.0.0.1/",
    "169.254.169.254",
    "http://169.254.169.254/latest/meta-data",
    "2130706433",
    "0x7f.0.0.1",
    "[::1]",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]",
    "::1",
    # ports
    "acme.atlassian.net:8080",
    "https://acme.atlassian.net:443/",
    "acme.atlassian.net:",
    "acme:80",
    # userinfo
    "user@acme.atlassian.net",
    "https://user@acme.atlassian.net",
    "https://user:pw@acme.atlassian.net/",
    "https://x@evil.com",
    "https://acme.atlassian.net@evil.com",
    "https://acme.atlassian.net:pw@evil.com",
    "https://acme.atlassian.net/@evil.com",
    # schemes
    "ftp://acme.atlassian.net",
    "file:///etc/passwd",
    "file://acme.atlassian.net/x",
    "javascript:alert(1)",
    "javascript://acme.atlassian.net/%0aalert(1)",
    "gopher://acme.atlassian.net",
    "ws://acme.atlassian.net",
    "https:acme.atlassian.net",
    "https:/acme.atlassian.net",
    "mailto:acme@atlassian.net",
    "data:text/html,acme",
    "httpss://acme.atlassian.net",
    # backslashes
    "acme.atlassian.net\\@evil.com",
    "https://evil.com\\acme.atlassian.net",
    "https:\\\\acme.atlassian.net",
    "https://acme.atlassian.net\\",
    "acme\\",
    # percent-encoding
    "acme%2eatlassian.net",
    "acme.atlassian.net%2f@evil.com",
    "https://acme%2Eatlassian.net",
    "%61cme",
    "acme.atlassian.net/%2e%2e/",
    # whitespace / control chars inside
    "ac me",
    "acme .atlassian.net",
    "acme.atlassian.net /x",
    "acme\tcorp",
    "acme\x00",
    "acme\x00.evil.com",
    "ac\x7fme",
    "acme\r\nHost: evil.com",
    # unicode tricks
    "аcme",  # Cyrillic a
    "acmе.atlassian.net",  # Cyrillic e
    "acme．atlassian．net",  # fullwidth dots
    "acme。atlassian.net",  # ideographic full stop
    "ａｃｍｅ",  # fullwidth letters
    "ac\u200bme",  # zero-width space
    "\u200bacme",
    "acme\u200d.atlassian.net",  # zero-width joiner
    "\ufeffacme",  # BOM
    "acme\u00a0",  # nbsp
    "\u202eacme",  # RTL override
    "ǅacme",
    "acme.atlassian.net\u2044evil.com",  # fraction slash
    "\u212aitchen",  # Kelvin sign lower-cases to k
    "straße",
    "xn--acme-9ta",
    "xn--80ak6aa92e.atlassian.net",
    "https://xn--mnchen-3ya.atlassian.net",
    "ab--cd",
    # not one DNS label
    "-acme",
    "acme-",
    "-",
    "x" * 64,
    "x" * 64 + ".atlassian.net",
    "acme_corp",
    "acme!",
    "acme*",
    "acme.",
    ".acme",
    "acme..atlassian.net",
    "*.atlassian.net",
    "acme;evil",
    "acme'",
    'acme"',
    "<acme>",
    "{acme}",
    "acme|evil",
    "acme~",
    "acme$",
    "a" * 5000,
    "https://" + "a" * 3000 + ".atlassian.net",
]


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_inputs_are_rejected(raw):
    with pytest.raises(InvalidSubdomain) as info:
        parse_subdomain(raw)
    # The message is user-facing: short, and never echoes the input back.
    assert str(info.value)
    assert len(str(info.value)) < 300


@pytest.mark.parametrize("value", [None, 42, b"acme", ["acme"]])
def test_non_strings_are_rejected(value):
    with pytest.raises(InvalidSubdomain):
        parse_subdomain(value)


def test_invalid_subdomain_is_a_value_error_with_helpful_messages():
    assert issubclass(InvalidSubdomain, ValueError)
    with pytest.raises(InvalidSubdomain, match="e.g. acme for acme.atlassian.net"):
        parse_subdomain("")
    with pytest.raises(InvalidSubdomain, match=r"Only Atlassian Cloud sites"):
        parse_subdomain("acme.example.com")


def test_site_base_url_uses_the_template(settings):
    settings.JIRA_SITE_URL_TEMPLATE = DEFAULT_TEMPLATE
    assert site_base_url("acme") == "https://acme.atlassian.net"
    settings.JIRA_SITE_URL_TEMPLATE = "http://127.0.0.1:8765/s/{subdomain}/"
    assert site_base_url("acme") == "http://127.0.0.1:8765/s/acme"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "ACME",
        "acme.atlassian.net",
        "acme.evil.com",
        " acme",
        "acme\n",
        "a/b",
        "xn--x-1",
        "-a",
        "127.0.0.1",
        "1234",
        "аcme",
        None,
    ],
)
def test_site_base_url_revalidates(settings, value):
    settings.JIRA_SITE_URL_TEMPLATE = DEFAULT_TEMPLATE
    with pytest.raises(InvalidSubdomain):
        site_base_url(value)


@pytest.mark.parametrize("raw", ["localhost", "0x7f000001", "metadata", "admin"])
def test_scary_bare_labels_still_only_reach_atlassian_net(settings, raw):
    # A bare label is only ever a subdomain of atlassian.net, never a host of its own.
    settings.JIRA_SITE_URL_TEMPLATE = DEFAULT_TEMPLATE
    assert urlsplit(site_base_url(parse_subdomain(raw))).hostname == f"{raw}.atlassian.net"


def test_site_display_host():
    assert site_display_host("acme") == "acme.atlassian.net"


# -- properties ------------------------------------------------------------------

# Text biased towards URL-ish shapes so the accept paths get exercised too.
_URLISH = st.lists(
    st.sampled_from(
        [
            "acme",
            "ACME",
            "a",
            "-",
            ".",
            "atlassian",
            ".atlassian.net",
            "net",
            "https://",
            "http://",
            "/",
            ":",
            "@",
            "\\",
            "%2e",
            "?",
            "#",
            " ",
            "\t",
            "\n",
            "evil.com",
            "1",
            "．",
            "\u200b",
            "xn--",
            "а",
            "8080",
            "[",
            "]",
        ]
    ),
    max_size=8,
).map("".join)
_ANY_TEXT = st.one_of(st.text(), _URLISH)


@given(_ANY_TEXT)
def test_parse_either_rejects_or_returns_one_label(raw):
    try:
        label = parse_subdomain(raw)
    except InvalidSubdomain:
        return
    assert LABEL_RE.match(label)
    assert not label.startswith("xn--")


@hsettings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_ANY_TEXT)
def test_built_url_always_targets_the_label_on_atlassian_net(settings, raw):
    settings.JIRA_SITE_URL_TEMPLATE = DEFAULT_TEMPLATE
    try:
        label = parse_subdomain(raw)
    except InvalidSubdomain:
        return
    parts = urlsplit(site_base_url(label))
    assert parts.scheme == "https"
    assert parts.hostname == f"{label}.atlassian.net"
    assert parts.netloc == f"{label}.atlassian.net"
    assert parts.port is None
    assert parts.username is None and parts.password is None
    assert parts.path == "" and parts.query == "" and parts.fragment == ""


@given(st.from_regex(LABEL_RE, fullmatch=True))
def test_valid_labels_round_trip_in_every_accepted_shape(label):
    try:
        bare = parse_subdomain(label)
    except InvalidSubdomain:
        # Only the deliberately reserved shapes are refused.
        assert label.isdigit() or label[2:4] == "--"
        return
    assert bare == label
    assert parse_subdomain(label.upper()) == label
    assert parse_subdomain(f"{label}.atlassian.net") == label
    assert parse_subdomain(f"https://{label.upper()}.atlassian.net/browse/KAN-1") == label
