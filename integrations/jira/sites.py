"""Turn what a user types into a Jira Cloud site name, and a site name into a URL.

This is the SSRF boundary for API-token connections: the only host the app
ever talks to for such a connection is built by `site_base_url` from a label
that `parse_subdomain` accepted. So parsing is deliberately conservative and
hand-written: we do not use urllib's lenient parsing (which disagrees with
browsers and requests about backslashes, `@`, ports and so on); we accept a
few well-understood shapes and reject everything else.

Accepted shapes (case-insensitive, surrounding ASCII whitespace ignored):
  acme
  acme.atlassian.net[/anything]
  http(s)://acme.atlassian.net[/anything]
"""

from __future__ import annotations

import re

from django.core.exceptions import ImproperlyConfigured

DEFAULT_SITE_URL_TEMPLATE = "https://{subdomain}.atlassian.net"
CLOUD_SUFFIX = ".atlassian.net"

MSG_ENTER = "Enter your Jira site name, e.g. acme for acme.atlassian.net."
MSG_CLOUD_ONLY = "Only Atlassian Cloud sites (something.atlassian.net) can be connected."
MSG_LABEL = (
    "A Jira site name may contain only the letters a-z, digits and hyphens "
    "(at most 63, not starting or ending with a hyphen), e.g. acme for acme.atlassian.net."
)
MSG_PLAIN = (
    "Enter the site address as plain text, e.g. acme.atlassian.net "
    "(no spaces, special characters or encoded parts)."
)

# One DNS label, lower-case LDH only. \Z (not $) so a trailing newline can't sneak through.
_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
_ASCII_WS = " \t\r\n\f\v"
_MAX_INPUT = 2048


class InvalidSubdomain(ValueError):
    """The input is not an Atlassian Cloud site; `str(exc)` is safe to show the user."""

    def __init__(self, message: str = MSG_ENTER):
        super().__init__(message)
        self.message = message


def _check_label(label: str) -> str:
    """Raise unless `label` is exactly one acceptable lower-case DNS label."""
    if not _LABEL_RE.match(label):
        raise InvalidSubdomain(MSG_LABEL)
    # Labels with "--" in positions 3-4 are reserved (RFC 5891 §4.2.3.1); "xn--" is
    # punycode, i.e. a disguised unicode name. Reject the whole reserved class.
    if label[2:4] == "--":
        raise InvalidSubdomain(MSG_LABEL)
    # A bare number reads as an IPv4 address to many resolvers (e.g. 2130706433 is
    # 127.0.0.1). No real site needs that; reject rather than guess.
    if label.isdigit():
        raise InvalidSubdomain(MSG_LABEL)
    return label


def parse_subdomain(value: str) -> str:
    """Return the lower-case site label from a label, host or pasted site URL.

    Raises InvalidSubdomain (with a user-facing message) for anything else.
    """
    if not isinstance(value, str):
        raise InvalidSubdomain(MSG_ENTER)
    text = value.strip(_ASCII_WS)
    if not text:
        raise InvalidSubdomain(MSG_ENTER)
    if len(text) > _MAX_INPUT:
        raise InvalidSubdomain(MSG_ENTER)
    # Before any case folding: unicode lookalikes, fullwidth dots, zero-width and
    # other invisible characters all fail here.
    if not text.isascii():
        raise InvalidSubdomain(MSG_PLAIN)
    # Whitespace inside, control characters, DEL.
    if any(ord(ch) <= 32 or ord(ch) == 127 for ch in text):
        raise InvalidSubdomain(MSG_PLAIN)
    # Backslashes (browsers read them as "/"), percent-encoding and userinfo ("@")
    # are where URL parsers disagree; a real Jira site address never needs them,
    # even in the part of a pasted URL that we would throw away.
    if any(ch in text for ch in "\\%@"):
        raise InvalidSubdomain(MSG_PLAIN)

    has_scheme = "://" in text
    if has_scheme:
        scheme, rest = text.split("://", 1)
        if scheme.lower() not in ("http", "https"):
            raise InvalidSubdomain(MSG_CLOUD_ONLY)
    else:
        rest = text

    # The authority ends at the first "/", "?" or "#"; everything after it is discarded.
    match = re.search(r"[/?#]", rest)
    host = rest[: match.start()] if match else rest
    has_tail = match is not None
    host = host.lower()

    if not host:
        raise InvalidSubdomain(MSG_ENTER)
    # ":" means a port, an IPv6 literal or a scheme we did not recognise ("javascript:").
    if ":" in host or not re.fullmatch(r"[a-z0-9.-]+", host):
        raise InvalidSubdomain(MSG_CLOUD_ONLY)

    if "." not in host:
        # A bare label is only accepted on its own; "https://acme" or "acme/x" is a
        # URL for some other (intranet) host, not an Atlassian Cloud site.
        if has_scheme or has_tail:
            raise InvalidSubdomain(MSG_CLOUD_ONLY)
        return _check_label(host)

    if not host.endswith(CLOUD_SUFFIX):
        raise InvalidSubdomain(MSG_CLOUD_ONLY)
    label = host[: -len(CLOUD_SUFFIX)]
    # Exactly one label in front: "atlassian.net" and "a.b.atlassian.net" are out.
    if not label or "." in label:
        raise InvalidSubdomain(MSG_CLOUD_ONLY)
    return _check_label(label)


def site_base_url(subdomain: str) -> str:
    """The base URL (no trailing slash) for a site label, from JIRA_SITE_URL_TEMPLATE.

    Re-validates the label: callers may hand us a value from the database or a form,
    and this is the last point before it becomes part of a URL.
    """
    from django.conf import settings

    if not isinstance(subdomain, str):
        raise InvalidSubdomain(MSG_ENTER)
    # No normalisation here: the stored value must already be the canonical label.
    _check_label(subdomain)
    template = getattr(settings, "JIRA_SITE_URL_TEMPLATE", DEFAULT_SITE_URL_TEMPLATE)
    if "{subdomain}" not in template:
        raise InvalidSiteUrlTemplate("it has no {subdomain}, so every site would get one address")
    try:
        return template.format(subdomain=subdomain).rstrip("/")
    except (ValueError, KeyError, IndexError, AttributeError):
        raise InvalidSiteUrlTemplate(
            "a brace other than {subdomain} is not doubled (write { and } as {{ and }})"
        ) from None


class InvalidSiteUrlTemplate(ImproperlyConfigured):
    """JIRA_SITE_URL_TEMPLATE can't make a site's URL; `str(exc)` says why.

    The system check (integrations/checks.py) reports it at start-up.
    """


def issue_browse_url(subdomain: str, key: str) -> str:
    """The issue's page in Jira; "" when the stored site label is not a valid one."""
    try:
        return f"{site_base_url(subdomain)}/browse/{key}"
    except InvalidSubdomain:
        return ""


class InvalidCloudId(ValueError):
    """Not an Atlassian cloud id (a UUID in practice)."""


_CLOUD_ID_RE = re.compile(r"[A-Za-z0-9-]{1,64}\Z")


def check_cloud_id(cloud_id: str) -> str:
    """Return `cloud_id` if it is safe as one path segment (letters, digits, hyphens)."""
    if not isinstance(cloud_id, str) or not _CLOUD_ID_RE.match(cloud_id):
        raise InvalidCloudId("not an Atlassian cloud id")
    return cloud_id


def cloud_base_url(cloud_id: str) -> str:
    """The base URL of a site for OAuth (3LO) calls: {ATLASSIAN_API_URL}/ex/jira/{cloud_id}.

    This is the SSRF boundary for OAuth connections: the host is only ever the configured
    ATLASSIAN_API_URL, and the cloud id (from Atlassian's accessible-resources, or the
    database) is re-validated as a single path segment here.
    https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/
    """
    from django.conf import settings

    return f"{settings.ATLASSIAN_API_URL.rstrip('/')}/ex/jira/{check_cloud_id(cloud_id)}"


def site_display_host(subdomain: str) -> str:
    """The site's host name for messages, e.g. "acme.atlassian.net"."""
    return f"{subdomain}{CLOUD_SUFFIX}"
