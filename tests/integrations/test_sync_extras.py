"""The per-issue requests of a page: only the needed ones are sent, and one odd issue is skipped alone."""

import copy
import functools
import gc
import weakref
from concurrent.futures import CancelledError, Future

import pytest
import responses

from integrations.jira.client import JiraClient
from integrations.jira.workflow import StatusCatalog
from integrations.sync import extras as extras_module
from integrations.sync.extras import ExtrasFetcher, ExtrasProblems, _when_done
from integrations.sync.finish import Workflow
from integrations.sync.mapping import map_issues

BASE = "https://acme.atlassian.net"
DOC_URL = "https://acme.atlassian.net/wiki/spaces/ENG/pages/123/Design"
RULES = Workflow(
    catalog=StatusCatalog(
        [
            {"id": "3", "name": "In Progress", "statusCategory": {"key": "indeterminate"}},
            {"id": "10003", "name": "Done", "statusCategory": {"key": "done"}},
        ]
    ),
    not_delivered=(),
)


def _raw(n, histories=()):
    return {
        "id": str(10000 + n),
        "key": f"ENG-{n}",
        "fields": {
            "summary": f"Issue {n}",
            "status": {"id": "10003", "name": "Done", "statusCategory": {"key": "done"}},
            "created": "2026-11-01T09:00:00.000+0000",
            "updated": "2026-11-10T09:00:00.000+0000",
        },
        "changelog": {"histories": list(histories), "total": len(histories)},
    }


def _history(history_id, when, field, source, target):
    return {
        "id": str(history_id),
        "created": f"{when}T10:00:00.000+0000",
        "items": [{"field": field, "from": source, "to": target}],
    }


DONE_MOVE = _history(1, "2026-11-04", "status", "3", "10003")
LINK_ADDED = _history(2, "2026-11-05", "RemoteIssueLink", None, "10500")


def _fetch(raws):
    records, _ = map_issues(raws)
    client = JiraClient(base_url=BASE, email="a@example.com", api_token="t", sleep=lambda s: None)
    with ExtrasFetcher(client, RULES, ExtrasProblems()) as fetcher:
        return fetcher.submit(records).wait()


@responses.activate
def test_only_the_issue_whose_changelog_shows_a_link_is_asked_and_every_issue_is_finished():
    links = responses.get(
        f"{BASE}/rest/api/3/issue/10002/remotelink",
        json=[{"id": 10500, "object": {"url": DOC_URL, "title": "Design"}}],
    )
    finished, skipped = _fetch([_raw(1, [DONE_MOVE]), _raw(2, [DONE_MOVE, LINK_ADDED]), _raw(3)])
    assert skipped == []
    assert links.call_count == 1 and len(responses.calls) == 1
    assert [r.key for r in finished] == ["ENG-1", "ENG-2", "ENG-3"]  # the page's order
    by_key = {r.key: r for r in finished}
    assert by_key["ENG-1"].completed_at is not None and by_key["ENG-2"].completed_at is not None
    assert DOC_URL in {d.url for d in by_key["ENG-2"].documents}
    assert not by_key["ENG-1"].remote_links_read and by_key["ENG-2"].remote_links_read


@responses.activate
def test_an_issue_that_cannot_be_finished_is_skipped_and_the_others_kept(monkeypatch):
    real_finish = extras_module.finish

    def finish_or_fail(record, *args, **kwargs):
        if record.key == "ENG-2":
            raise TypeError("an odd shape")
        return real_finish(record, *args, **kwargs)

    monkeypatch.setattr(extras_module, "finish", finish_or_fail)
    finished, skipped = _fetch([_raw(1, [DONE_MOVE]), _raw(2, [DONE_MOVE]), _raw(3)])
    assert [r.key for r in finished] == ["ENG-1", "ENG-3"]
    assert [s.key for s in skipped] == ["ENG-2"]
    assert "TypeError" in str(skipped[0])
    assert len(responses.calls) == 0


@responses.activate
def test_an_issues_requests_return_what_they_read_and_leave_the_record_alone():
    comment = {
        "id": "1",
        "author": {"accountId": "a1", "displayName": "Ana"},
        "body": {
            "type": "doc",
            "version": 1,
            "content": [
                {"type": "paragraph", "content": [{"type": "text", "text": "Looked at it"}]}
            ],
        },
        "created": "2026-11-05T10:00:00.000+0000",
        "updated": "2026-11-05T10:00:00.000+0000",
    }
    responses.get(
        f"{BASE}/rest/api/3/issue/10001/comment",
        json={"comments": [comment], "startAt": 0, "maxResults": 100, "total": 1},
    )
    responses.get(f"{BASE}/rest/api/3/issue/10001/remotelink", status=404, json={})
    (record,), _ = map_issues([_raw(1, [LINK_ADDED])])
    before = copy.deepcopy(record)
    client = JiraClient(base_url=BASE, email="a@example.com", api_token="t", sleep=lambda s: None)

    comments = extras_module._comments(client, record)
    links = extras_module._changelog_and_remote_links(client, record, None, False)

    assert [c.body for c in comments] == ["Looked at it"]
    assert links.remote_links == [] and links.links_unavailable and links.histories is None
    assert record == before  # only the issue's finishing task puts them in


@responses.activate
def test_each_issues_problems_are_added_up_by_the_thread_that_waits():
    for n in (1, 2):
        responses.get(f"{BASE}/rest/api/3/issue/{10000 + n}/remotelink", status=404, json={})
    old_status = _history(3, "2026-11-06", "status", "10100", "10003")
    old_status["items"][0]["fromString"] = "Old"
    records, _ = map_issues(
        [_raw(1, [LINK_ADDED]), _raw(2, [LINK_ADDED, old_status]), _raw(3, [old_status])]
    )
    client = JiraClient(base_url=BASE, email="a@example.com", api_token="t", sleep=lambda s: None)
    problems = ExtrasProblems()
    with ExtrasFetcher(client, RULES, problems) as fetcher:
        finished, skipped = fetcher.submit(records).wait()
    assert skipped == []
    assert [r.key for r in finished] == ["ENG-1", "ENG-2", "ENG-3"]
    assert problems.remote_links_unavailable == 2
    assert problems.unknown_statuses == {"Old (10100)"}
    assert all(r.remote_links_read for r in finished[:2]) and not finished[2].remote_links_read


# -- _when_done: an issue finished by the thread that completes its last request ----------


def test_work_runs_once_when_the_last_request_is_done():
    requests = [Future(), Future(), Future()]
    calls = []
    finished = _when_done(requests, lambda: calls.append("ran") or "problems")
    requests[0].set_result(1)
    requests[2].set_exception(ValueError("a request failed"))
    assert not finished.done() and calls == []
    requests[1].set_result(2)
    assert finished.result(timeout=0) == "problems"
    assert calls == ["ran"]


def test_what_the_work_raises_is_the_finished_futures_and_a_cancel_still_finishes_it():
    def read(requests):
        return [r.result() for r in requests]

    cancelled = [Future()]
    finished = _when_done(cancelled, lambda: read(cancelled))
    cancelled[0].cancel()  # a pool shut down with its queue dropped
    with pytest.raises(CancelledError):
        finished.result(timeout=0)

    done_already = Future()
    done_already.set_result("in")
    assert _when_done([done_already], lambda: read([done_already])).result(timeout=0) == ["in"]


def test_once_the_work_ran_no_reference_cycle_keeps_what_it_holds():
    """The requests keep the callback that runs the work: were the work (the record and
    its requests) still held by it, only the garbage collector could free an issue's data
    once stored: a full sync spent seconds of CPU in collections, and memory."""

    class Held:
        pass

    requests = [Future(), Future()]
    held = Held()
    alive = weakref.ref(held)
    finished = _when_done(requests, functools.partial(lambda held, requests: "ok", held, requests))
    del held
    gc.disable()
    try:
        for request in requests:
            request.set_result(None)
        assert finished.result(timeout=0) == "ok"
        del requests, finished
        assert alive() is None  # freed at once, by reference counting
    finally:
        gc.enable()
