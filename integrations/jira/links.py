"""Classify URLs found on Jira issues as pull requests or documents.

Jira only knows about linked PRs through the private dev-status API, which is
unavailable to OAuth apps, so PR and document links are also recovered from
remote links and from URLs typed into descriptions and comments (see adf.py).

Public API:

- ``PullRequestRef(provider, repository, number, url)``
- ``DocumentRef(kind, url)``
- ``RemoteLinkInfo(url, title, application, relationship, pull_request, document)``
- ``pull_request_from_url(url) -> PullRequestRef | None``
- ``document_from_url(url) -> DocumentRef | None``
- ``parse_remote_link(link) -> RemoteLinkInfo | None``
- ``classify_remote_link(link) -> tuple[PullRequestRef | None, DocumentRef | None]``
- ``document_kind_label(kind, application) -> str``: "Confluence page", "Notion page"...
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

__all__ = [
    "CONFLUENCE_APPLICATION_TYPE",
    "DocumentRef",
    "PullRequestRef",
    "RemoteLinkInfo",
    "classify_remote_link",
    "document_from_url",
    "document_kind_label",
    "parse_remote_link",
    "pull_request_from_url",
]

Provider = Literal["github", "gitlab", "bitbucket"]
DocumentKind = Literal[
    "confluence", "google_docs", "notion", "dropbox_paper", "sharepoint", "quip", "coda", "other"
]

CONFLUENCE_APPLICATION_TYPE = "com.atlassian.confluence"

# Hosts whose pages are documents but which have no kind of their own.
_OTHER_DOCUMENT_HOSTS = (
    "onedrive.live.com",
    "1drv.ms",
    "box.com",
    "dropbox.com",
    "office.com",
    "officeapps.live.com",
    "figma.com",
    "miro.com",
    "lucid.app",
)
# Links straight to an office file or PDF are documents wherever they are hosted.
_DOCUMENT_EXTENSIONS = (
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ppt",
    ".pptx",
    ".odt",
    ".ods",
    ".odp",
)


@dataclass(frozen=True)
class PullRequestRef:
    """A pull/merge request identified from its URL.

    ``url`` is canonical: lower-case host, no query, fragment or trailing
    sub-page (``/files``, ``/diffs``...), so it can be used to de-duplicate PRs
    seen through dev-status, remote links and issue text.
    """

    provider: Provider
    repository: str  # "org/repo"; GitLab keeps every group: "group/sub/repo"
    number: int
    url: str


@dataclass(frozen=True)
class DocumentRef:
    kind: DocumentKind
    url: str


@dataclass(frozen=True)
class RemoteLinkInfo:
    """What a Jira remote link (``/issue/{id}/remotelink`` item) points at.

    ``title`` is ``object.title`` ("" if absent; for Confluence it is often a
    generic "Wiki Page"), ``application`` is ``application.type`` ("" for plain
    web links) and ``relationship`` is e.g. "mentioned in". At most one of
    ``pull_request`` and ``document`` is set; both are None for other links.
    """

    url: str
    title: str
    application: str
    relationship: str
    pull_request: PullRequestRef | None
    document: DocumentRef | None


def pull_request_from_url(url: Any) -> PullRequestRef | None:
    """Recognise GitHub, GitLab (SaaS or self-hosted) and Bitbucket PR URLs.

    Also Bitbucket Server (``/projects/K/repos/r/pull-requests/n`` on any host).
    The host is matched case-insensitively; the org/repo path keeps its case.
    """
    if url.__class__ is str:
        return _pull_request_kept(url)
    return _pull_request(url)


def _pull_request(url: Any) -> PullRequestRef | None:
    parsed = _parse(url)
    if parsed is None:
        return None
    scheme, netloc, host, segments = parsed
    bare_host = host.removeprefix("www.")

    if bare_host == "github.com":
        # /{org}/{repo}/pull/{n}[/files|/commits|...]
        if len(segments) >= 4 and segments[2] == "pull" and _is_number(segments[3]):
            repo = f"{segments[0]}/{segments[1]}"
            number = int(segments[3])
            return PullRequestRef(
                "github", repo, number, f"https://github.com/{repo}/pull/{number}"
            )
        return None

    if bare_host == "bitbucket.org":
        # /{workspace}/{repo}/pull-requests/{n}[/diff|/commits|...]
        if len(segments) >= 4 and segments[2] == "pull-requests" and _is_number(segments[3]):
            repo = f"{segments[0]}/{segments[1]}"
            number = int(segments[3])
            url = f"https://bitbucket.org/{repo}/pull-requests/{number}"
            return PullRequestRef("bitbucket", repo, number, url)
        return None

    gitlab = _gitlab_merge_request(segments, legacy_paths=bare_host == "gitlab.com")
    if gitlab is not None:
        repo, number = gitlab
        base = "https://gitlab.com" if bare_host == "gitlab.com" else f"{scheme}://{netloc}"
        return PullRequestRef("gitlab", repo, number, f"{base}/{repo}/-/merge_requests/{number}")

    # Bitbucket Server / Data Center ("stash" in dev-status):
    # /projects/{KEY}/repos/{repo}/pull-requests/{n}
    for i in range(len(segments) - 5):
        if (
            segments[i] == "projects"
            and segments[i + 2] == "repos"
            and segments[i + 4] == "pull-requests"
            and _is_number(segments[i + 5])
        ):
            repo = f"{segments[i + 1]}/{segments[i + 3]}"
            number = int(segments[i + 5])
            path = "/".join(segments[: i + 6])
            return PullRequestRef("bitbucket", repo, number, f"{scheme}://{netloc}/{path}")
    return None


def document_from_url(url: Any) -> DocumentRef | None:
    """Recognise links to documents (design docs, specs, wiki pages...).

    Pull requests and ordinary web pages are not documents and give None.
    ``DocumentRef.url`` is the URL as given (stripped): query strings matter
    for some hosts (Confluence ``viewpage.action?pageId=``).
    """
    if url.__class__ is str:
        return _document_kept(url)
    return _document(url)


def _document(url: Any) -> DocumentRef | None:
    parsed = _parse(url)
    if parsed is None or pull_request_from_url(url) is not None:
        return None
    _scheme, _netloc, host, segments = parsed
    url = url.strip()
    path = "/" + "/".join(segments)
    lower_path = path.lower()

    kind: DocumentKind | None = None
    if _is_confluence(host, lower_path):
        kind = "confluence"
    elif host in ("docs.google.com", "drive.google.com") and segments:
        kind = "google_docs"
    elif _on(host, "notion.so") or host.endswith(".notion.site"):
        kind = "notion" if segments else None
    elif host == "paper.dropbox.com" or (
        _on(host, "dropbox.com") and lower_path.endswith(".paper")
    ):
        # New Dropbox Paper docs live in Dropbox as "*.paper" files.
        kind = "dropbox_paper"
    elif host.endswith(".sharepoint.com"):
        kind = "sharepoint"
    elif _on(host, "quip.com"):
        kind = "quip" if segments else None
    elif _on(host, "coda.io"):
        # Docs live under /d/ (private) or /@user/ (published); the rest is marketing.
        kind = "coda" if segments and (segments[0] == "d" or segments[0].startswith("@")) else None
    elif (segments and any(_on(host, other) for other in _OTHER_DOCUMENT_HOSTS)) or (
        lower_path.endswith(_DOCUMENT_EXTENSIONS)
    ):
        kind = "other"
    return DocumentRef(kind, url) if kind else None


# A sync classifies each URL of an issue several times (found in a comment, listed by
# dev-status and as a remote link): the refs are immutable, so the last URLs' are kept.
_pull_request_kept = functools.lru_cache(maxsize=4096)(_pull_request)
_document_kept = functools.lru_cache(maxsize=4096)(_document)


def parse_remote_link(link: Any) -> RemoteLinkInfo | None:
    """Read a remote link object; None when it has no usable URL.

    Confluence links (``application.type == "com.atlassian.confluence"``) are
    always documents, even for URLs we would not recognise (custom domains,
    tiny links). Plain web links usually carry no application type.
    """
    if not isinstance(link, dict):
        return None
    obj = link.get("object") if isinstance(link.get("object"), dict) else {}
    application = link.get("application") if isinstance(link.get("application"), dict) else {}

    url = _clean_str(obj.get("url"))
    if not url:
        # Simple web links often use the URL itself as their globalId.
        global_id = _clean_str(link.get("globalId"))
        url = global_id if global_id.lower().startswith(("http://", "https://")) else ""
    if not url:
        return None

    app_type = _clean_str(application.get("type"))
    if app_type.lower() == CONFLUENCE_APPLICATION_TYPE:
        pull_request, document = None, DocumentRef("confluence", url)
    else:
        pull_request = pull_request_from_url(url)
        document = None if pull_request else document_from_url(url)
    return RemoteLinkInfo(
        url=url,
        title=_clean_str(obj.get("title")),
        application=app_type,
        relationship=_clean_str(link.get("relationship")),
        pull_request=pull_request,
        document=document,
    )


def classify_remote_link(link: Any) -> tuple[PullRequestRef | None, DocumentRef | None]:
    """Shortcut for ``parse_remote_link`` when only the classification matters."""
    info = parse_remote_link(link)
    if info is None:
        return None, None
    return info.pull_request, info.document


# What a person calls each kind of document, for pages that list them.
_KIND_LABELS = {
    "confluence": "Confluence page",
    "google_docs": "Google Docs document",
    "notion": "Notion page",
    "dropbox_paper": "Dropbox Paper document",
    "sharepoint": "SharePoint document",
    "quip": "Quip document",
    "coda": "Coda document",
}
# Remote links' application types (``application.type``) that name a known product.
_APPLICATION_LABELS = {
    CONFLUENCE_APPLICATION_TYPE: "Confluence page",
    "com.atlassian.jira": "Jira issue",
}
_APPLICATION_WORD_RE = re.compile(r"[^A-Za-z0-9]+")


def document_kind_label(kind: str, application: str = "") -> str:
    """A document's kind in words: the product its remote link names, else the kind its
    URL was recognised as, else the last part of the application type made readable
    ("com.acme.design-docs" -> "Design docs"), else "Document"."""
    application = (application or "").strip()
    known = _APPLICATION_LABELS.get(application.lower())
    if known:
        return known
    if kind in _KIND_LABELS:
        return _KIND_LABELS[kind]
    last = application.rsplit(".", 1)[-1]
    words = " ".join(_APPLICATION_WORD_RE.sub(" ", last).split())[:60]
    return words[:1].upper() + words[1:] if words else "Document"


# -- helpers ------------------------------------------------------------------------


def _parse(url: Any) -> tuple[str, str, str, list[str]] | None:
    """Split an http(s) URL into (scheme, netloc without credentials, host, path segments)."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme not in ("http", "https") or not host:
        return None
    netloc = f"{host}:{port}" if port else host
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    return scheme, netloc, host, segments


def _gitlab_merge_request(segments: list[str], *, legacy_paths: bool) -> tuple[str, int] | None:
    """Find ``{group/.../repo}/-/merge_requests/{n}``; returns (repo path, number)."""
    for i, segment in enumerate(segments):
        if segment != "merge_requests" or i + 1 >= len(segments):
            continue
        if not _is_number(segments[i + 1]):
            continue
        if i >= 1 and segments[i - 1] == "-":
            project = segments[: i - 1]
        elif legacy_paths:
            # Pre-2019 gitlab.com URLs had no "/-/" separator; they still redirect.
            project = segments[:i]
        else:
            continue
        if len(project) >= 2:
            return "/".join(project), int(segments[i + 1])
    return None


def _is_confluence(host: str, lower_path: str) -> bool:
    if host.endswith(".atlassian.net") and (
        lower_path == "/wiki" or lower_path.startswith("/wiki/")
    ):
        return True
    # Self-hosted Confluence and custom domains.
    return (
        "/wiki/spaces/" in lower_path
        or "/display/" in lower_path
        or lower_path.endswith("/viewpage.action")
    )


def _on(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def _is_number(segment: str) -> bool:
    return segment.isascii() and segment.isdigit() and int(segment) > 0


def _clean_str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
