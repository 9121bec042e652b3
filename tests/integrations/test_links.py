import dataclasses

import pytest

from integrations.jira.links import (
    DocumentRef,
    PullRequestRef,
    RemoteLinkInfo,
    classify_remote_link,
    document_from_url,
    document_kind_label,
    parse_remote_link,
    pull_request_from_url,
)

# -- pull_request_from_url ------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/org/repo/pull/12",
        "https://GitHub.com/org/repo/pull/12/files?diff=split#r123",
        "http://www.github.com/org/repo/pull/12/commits/abc123",
        "  https://github.com/org/repo/pull/12/  ",
    ],
)
def test_github_pull_requests_are_normalized(url):
    assert pull_request_from_url(url) == PullRequestRef(
        provider="github",
        repository="org/repo",
        number=12,
        url="https://github.com/org/repo/pull/12",
    )


def test_gitlab_merge_requests_keep_every_group():
    ref = pull_request_from_url("https://gitlab.com/grp/sub/team/app/-/merge_requests/7/diffs?x=1")
    assert ref == PullRequestRef(
        "gitlab", "grp/sub/team/app", 7, "https://gitlab.com/grp/sub/team/app/-/merge_requests/7"
    )


def test_legacy_gitlab_com_urls_without_dash_separator_are_recognised():
    ref = pull_request_from_url("https://gitlab.com/grp/app/merge_requests/3")
    assert ref is not None
    assert ref.url == "https://gitlab.com/grp/app/-/merge_requests/3"


def test_self_hosted_gitlab_keeps_host_port_and_scheme():
    ref = pull_request_from_url(
        "http://Git.Corp.example:8080/platform/api/-/merge_requests/42#note_1"
    )
    assert ref == PullRequestRef(
        "gitlab",
        "platform/api",
        42,
        "http://git.corp.example:8080/platform/api/-/merge_requests/42",
    )


def test_bitbucket_pull_requests_are_normalized():
    ref = pull_request_from_url("https://bitbucket.org/acme/web/pull-requests/5/diff")
    assert ref == PullRequestRef(
        "bitbucket", "acme/web", 5, "https://bitbucket.org/acme/web/pull-requests/5"
    )


def test_bitbucket_server_pull_requests_are_recognised():
    ref = pull_request_from_url(
        "https://stash.corp.example/projects/ENG/repos/api/pull-requests/9/overview"
    )
    assert ref == PullRequestRef(
        "bitbucket",
        "ENG/api",
        9,
        "https://stash.corp.example/projects/ENG/repos/api/pull-requests/9",
    )


def test_pull_request_refs_are_frozen():
    ref = pull_request_from_url("https://github.com/org/repo/pull/1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.number = 2


@pytest.mark.parametrize(
    "url",
    [
        None,
        42,
        "",
        "not a url",
        "github.com/org/repo/pull/12",
        "ftp://github.com/org/repo/pull/12",
        "https://github.com/org/repo",
        "https://github.com/org/repo/issues/12",
        "https://github.com/org/repo/pulls",
        "https://github.com/org/repo/pull/abc",
        "https://github.com/org/repo/pull/0",
        "https://github.com/org/pull/12",
        "https://notgithub.com/org/repo/pull/12",
        "https://gitlab.com/grp/app/-/issues/3",
        "https://gitlab.com/app/-/merge_requests/3",
        "https://example.com/grp/app/merge_requests/3",
        "https://bitbucket.org/acme/web/pull-requests",
        "https://[::1/broken",
    ],
)
def test_non_pull_request_urls_give_none(url):
    assert pull_request_from_url(url) is None


# -- document_from_url ----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://acme.atlassian.net/wiki/spaces/ENG/pages/123/Design", "confluence"),
        ("https://acme.atlassian.net/wiki/x/AbCd", "confluence"),
        ("https://wiki.corp.example/display/ENG/Runbook", "confluence"),
        ("https://confluence.corp.example/pages/viewpage.action?pageId=1", "confluence"),
        ("https://kb.corp.example/wiki/spaces/OPS/overview", "confluence"),
        ("https://docs.google.com/document/d/1abc/edit?usp=sharing", "google_docs"),
        ("https://docs.google.com/spreadsheets/d/1abc/edit#gid=0", "google_docs"),
        ("https://docs.google.com/presentation/d/1abc", "google_docs"),
        ("https://drive.google.com/file/d/1abc/view", "google_docs"),
        ("https://www.notion.so/acme/Spec-0123456789abcdef", "notion"),
        ("https://acme.notion.site/Public-Spec-0123", "notion"),
        ("https://paper.dropbox.com/doc/Plan--AbC", "dropbox_paper"),
        ("https://www.dropbox.com/scl/fi/xyz/Plan.paper?rlkey=1&dl=0", "dropbox_paper"),
        ("https://acme.sharepoint.com/:w:/r/sites/eng/Doc.docx", "sharepoint"),
        ("https://quip.com/AbCdEf/Launch-plan", "quip"),
        ("https://acme.quip.com/AbCdEf", "quip"),
        ("https://coda.io/d/Roadmap_dAbC", "coda"),
        ("https://onedrive.live.com/edit.aspx?resid=1", "other"),
        ("https://www.figma.com/file/abc/Checkout", "other"),
        ("https://cdn.example.com/reports/q3.PDF", "other"),
    ],
)
def test_documents_are_recognised_by_host_and_path(url, kind):
    assert document_from_url(url) == DocumentRef(kind=kind, url=url)


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "https://github.com/org/repo/pull/12",
        "https://gitlab.com/g/r/-/merge_requests/1",
        "https://github.com/org/repo",
        "https://example.com/blog/post",
        "https://stackoverflow.com/questions/1",
        "https://acme.atlassian.net/browse/ABC-1",
        "https://docs.google.com/",
        "https://www.notion.so",
        "https://coda.io/pricing",
        "mailto:someone@example.com",
    ],
)
def test_pull_requests_and_plain_web_pages_are_not_documents(url):
    assert document_from_url(url) is None


def test_document_url_is_kept_as_given_apart_from_whitespace():
    url = "https://acme.atlassian.net/wiki/pages/viewpage.action?pageId=123456"
    assert document_from_url(f" {url}\n") == DocumentRef("confluence", url)


# -- remote links ---------------------------------------------------------------

CONFLUENCE_LINK = {
    "id": 10000,
    "globalId": "appId=abc&pageId=123456",
    "relationship": "Wiki Page",
    "application": {"type": "com.atlassian.confluence", "name": "System Confluence"},
    "object": {
        "url": "https://x.atlassian.net/wiki/pages/viewpage.action?pageId=123456",
        "title": "Wiki Page",
        "icon": {"url16x16": "https://x.atlassian.net/wiki/favicon.ico"},
        "status": {"resolved": False},
    },
}


def test_confluence_remote_link_is_a_document_with_its_title():
    assert parse_remote_link(CONFLUENCE_LINK) == RemoteLinkInfo(
        url="https://x.atlassian.net/wiki/pages/viewpage.action?pageId=123456",
        title="Wiki Page",
        application="com.atlassian.confluence",
        relationship="Wiki Page",
        pull_request=None,
        document=DocumentRef(
            "confluence", "https://x.atlassian.net/wiki/pages/viewpage.action?pageId=123456"
        ),
    )


def test_confluence_application_wins_over_an_unusual_url():
    link = {
        "application": {"type": "com.atlassian.confluence"},
        "relationship": "mentioned in",
        "object": {"url": "https://kb.acme.io/x/AbCd", "title": "Runbook"},
    }
    assert classify_remote_link(link) == (
        None,
        DocumentRef("confluence", "https://kb.acme.io/x/AbCd"),
    )


def test_plain_web_link_to_a_pull_request():
    link = {
        "id": 10001,
        "object": {"url": "https://github.com/org/repo/pull/12", "title": "Fix login #12"},
    }
    info = parse_remote_link(link)
    assert info.title == "Fix login #12"
    assert info.application == ""
    assert info.pull_request == PullRequestRef(
        "github", "org/repo", 12, "https://github.com/org/repo/pull/12"
    )
    assert info.document is None
    assert classify_remote_link(link) == (info.pull_request, None)


def test_plain_web_link_to_a_google_doc():
    url = "https://docs.google.com/document/d/1abc/edit"
    link = {"globalId": url, "object": {"url": url, "title": "RFC"}}
    assert classify_remote_link(link) == (None, DocumentRef("google_docs", url))


def test_plain_web_link_to_an_ordinary_page_is_neither():
    link = {"object": {"url": "https://example.com/status", "title": "Status page"}}
    info = parse_remote_link(link)
    assert (info.url, info.title, info.pull_request, info.document) == (
        "https://example.com/status",
        "Status page",
        None,
        None,
    )


def test_remote_link_falls_back_to_a_url_global_id():
    link = {"globalId": "https://github.com/org/repo/pull/3", "object": {"title": "PR"}}
    assert parse_remote_link(link).url == "https://github.com/org/repo/pull/3"


@pytest.mark.parametrize(
    "link",
    [None, "x", [], {}, {"object": None}, {"object": {"title": "no url"}}, {"object": {"url": 5}}],
)
def test_malformed_remote_links_are_ignored(link):
    assert parse_remote_link(link) is None
    assert classify_remote_link(link) == (None, None)


# -- document_kind_label ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "application", "label"),
    [
        ("confluence", "com.atlassian.confluence", "Confluence page"),
        ("", "com.atlassian.confluence", "Confluence page"),
        ("confluence", "", "Confluence page"),
        ("google_docs", "", "Google Docs document"),
        ("notion", "", "Notion page"),
        ("sharepoint", "", "SharePoint document"),
        ("other", "com.acme.design-docs", "Design docs"),
        ("other", "com.acme.wiki_pages", "Wiki pages"),
        ("other", "", "Document"),
        ("", "", "Document"),
    ],
)
def test_a_documents_kind_is_named_in_words(kind, application, label):
    assert document_kind_label(kind, application) == label
