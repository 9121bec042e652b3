"""A search read in slices of issue ids, side by side: no issue missed, none twice.

The slices' bounds are a property of any id distribution (hypothesis); the client pages
each slice with its own token while issues are deleted, created and moved between pages
(`responses`, a fake search over any set of ids); and whole syncs run sliced against the
simulator over real HTTP, with the same changes made while they read.
"""

import re
import threading
import time

import orjson
import pytest
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.jira.client import JiraClient
from integrations.jira.jql import id_range, plan_id_slices
from integrations.jira.pacing import SitePacer
from integrations.models import Issue, JiraConnection, SyncRun
from integrations.sync import run as run_module
from integrations.sync.pipeline import read_merged
from integrations.sync.run import sync_connection
from jira_simulator import DEMO_EMAIL, JiraSimulator
from tests.integrations.test_sync_simulator import assert_matches_truth
from tests.simulated import demo_connection, serving

BASE = "https://acme.atlassian.net"
ids_strategy = st.sets(st.integers(min_value=1, max_value=10**9), max_size=300)


def _slice_of(issue_id: int, slices) -> list[int]:
    return [
        n
        for n, (low, high) in enumerate(slices)
        if (low is None or issue_id >= low) and (high is None or issue_id < high)
    ]


@given(ids=ids_strategy, wanted=st.integers(min_value=1, max_value=12), probe=ids_strategy)
def test_slices_hold_every_id_there_is_exactly_once(ids, wanted, probe):
    slices = plan_id_slices(ids, wanted)
    assert 1 <= len(slices) <= max(1, min(wanted, len(ids)))
    assert slices[0][0] is None and slices[-1][1] is None
    # Each starts where the one before ends, so any id at all (listed or not, a new one
    # or one of an issue moved in from elsewhere) falls in exactly one.
    assert all(a[1] == b[0] and a[1] is not None for a, b in zip(slices, slices[1:], strict=False))
    for issue_id in ids | probe | {0, 10**10}:
        assert len(_slice_of(issue_id, slices)) == 1
    # ...and the listed ids are spread evenly over them.
    sizes = [sum(1 for i in ids if _slice_of(i, slices) == [n]) for n in range(len(slices))]
    assert max(sizes) - min(sizes) <= 1 if ids else sizes == [0]


class FakeSearch:
    """/search/jql over a set of ids that changes between pages, ordered by id, paged by a
    cursor token (as the simulator and Jira do: a deleted issue ahead of the cursor isn't
    served, a created one is)."""

    def __init__(self, ids, changes):
        self.live = set(ids)
        self.ever = set(ids)
        self.changes = list(changes)
        self.lock = threading.Lock()

    def __call__(self, request):
        body = orjson.loads(request.body)
        text = body["jql"]
        low = re.search(r"id >= (\d+)", text)
        high = re.search(r"id < (\d+)", text)
        after = int(body.get("nextPageToken") or 0)
        with self.lock:
            matching = sorted(
                i
                for i in self.live
                if i > after
                and (low is None or i >= int(low.group(1)))
                and (high is None or i < int(high.group(1)))
            )
            page = matching[: body["maxResults"]]
            if self.changes:  # the site changes while it is read
                self._change(*self.changes.pop(0))
        answer = {"issues": [{"id": str(i)} for i in page], "isLast": len(matching) <= len(page)}
        if not answer["isLast"]:
            answer["nextPageToken"] = str(page[-1])
        return 200, {}, orjson.dumps(answer)

    def _change(self, kind, value):
        if kind == "delete" and self.live:
            self.live.discard(sorted(self.live)[value % len(self.live)])
        elif kind == "create":
            self.live.add(value)  # a new id, or one moved in from a project not read before
            self.ever.add(value)


changes_strategy = st.lists(
    st.tuples(st.sampled_from(["delete", "create"]), st.integers(1, 10**9)), max_size=20
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ids=ids_strategy,
    wanted=st.integers(min_value=1, max_value=6),
    page_size=st.integers(min_value=1, max_value=40),
    changes=changes_strategy,
)
def test_slices_read_side_by_side_neither_miss_nor_duplicate_issues(
    ids, wanted, page_size, changes
):
    search = FakeSearch(ids, changes)
    slices = [(low, high, len(ids)) for low, high in plan_id_slices(ids, wanted)]
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, f"{BASE}/rest/api/3/search/jql", callback=search)
        client = JiraClient(base_url=BASE, email="a@x.test", api_token="t")
        sources = client.iter_search_slices(
            clause="project = A", slices=slices, fields=["id"], max_results=page_size
        )
        read = [int(i["id"]) for page in read_merged(sources, 3) for i in page["issues"]]
    assert len(read) == len(set(read)), "an issue was returned twice"
    assert set(read) >= search.live & set(ids), "an issue there all along was missed"
    assert set(read) <= search.ever
    assert client.pages_cut_short == []
    # Every request kept to its slice's ids, with its own token.
    for call in mock.calls:
        text = orjson.loads(call.request.body)["jql"]
        assert any(id_range(low, high) in text for low, high, _ in slices)


def test_slices_together_stop_at_the_bound_of_the_whole_search():
    def endless(request):  # every slice keeps sending new issues, as a hostile Jira might
        body = orjson.loads(request.body)
        token = int(body.get("nextPageToken") or 0) + 1
        offset = 10**6 if "id >= 10" in body["jql"] else 0
        answer = {
            "issues": [{"id": str(offset + token * 1000 + n)} for n in range(100)],
            "nextPageToken": str(token),
            "isLast": False,
        }
        return 200, {}, orjson.dumps(answer)

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, f"{BASE}/rest/api/3/search/jql", callback=endless)
        client = JiraClient(base_url=BASE, email="a@x.test", api_token="t")
        slices = [(None, 10, 10**6), (10, None, 10**6)]
        sources = client.iter_search_slices(
            clause="project = A", slices=slices, fields=["id"], max_issues=1_500
        )
        read = [i["id"] for page in read_merged(sources, 2) for i in page["issues"]]
    assert 1_500 < len(read) <= 1_500 + 2 * 100
    assert len(client.pages_cut_short) == 1
    assert "far more than the 1500 expected" in client.pages_cut_short[0]


# -- whole syncs over real HTTP ------------------------------------------------------------

pytestmark_db = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sliced(monkeypatch):
    """Slices from 100 issues on, of a page each (the simulator's site has 300)."""
    monkeypatch.setattr(run_module, "SLICE_MIN_ISSUES", 100)
    monkeypatch.setattr(run_module, "SLICE_PAGES", 1)


@pytest.fixture
def simulator(settings):
    sim = JiraSimulator(seed=8, issues=300, projects=("KAN", "ENG", "PLAT"))
    with serving(sim, settings):
        yield sim


@pytest.fixture
def searches(monkeypatch):
    """The issue searches the app sends (JQL, fields), whichever thread sends them."""
    sent, original = [], JiraClient.search_jql

    def search_jql(self, **query):
        sent.append((query["jql"], tuple(query["fields"]), query.get("expand")))
        return original(self, **query)

    monkeypatch.setattr(JiraClient, "search_jql", search_jql)
    return sent


def _issue_pages(searches):
    return [jql for jql, _, expand in searches if expand == "changelog"]


@pytestmark_db
def test_a_sliced_full_sync_stores_exactly_the_sites_issues(sliced, simulator, acme, searches):
    connection = demo_connection(acme, project_keys="")
    run = sync_connection(connection)
    assert run.status == SyncRun.Status.SUCCEEDED, (run.error, run.warnings)
    assert_matches_truth(connection, simulator.site("acme"))
    # An ids-only pass, then 3 slices of about 100 issues (a page each, and a last empty
    # one where the count was a little over), each with its own id range. The census at
    # the end uses the ids-only pass's list: it asks nothing more.
    ids_only = [jql for jql, fields, _ in searches if fields == ("id",) and "id >=" not in jql]
    assert len(ids_only) == 1
    assert run.issues_expected == len(simulator.site("acme").truth(DEMO_EMAIL))
    pages = _issue_pages(searches)
    assert all("id >=" in jql or "id <" in jql for jql in pages)
    assert len(set(pages)) == 3


@pytestmark_db
def test_a_full_syncs_census_marks_issues_deleted_before_it_from_its_own_list(
    simulator, acme, searches
):
    connection = demo_connection(acme, project_keys="")
    sync_connection(connection)
    site = simulator.site("acme")
    gone = sorted(site.truth(DEMO_EMAIL), key=int)[7]
    site.delete_issue(gone)
    searches.clear()
    run = sync_connection(connection, full=True)
    assert run.status == SyncRun.Status.SUCCEEDED, (run.error, run.warnings)
    assert run.issues_removed == 1
    assert Issue.objects.get(connection=connection, jira_id=int(gone)).removed_at is not None
    assert len([jql for jql, fields, _ in searches if fields == ("id",)]) == 1
    assert_matches_truth(connection, site)


@pytestmark_db
def test_an_issue_created_during_a_full_sync_is_not_taken_for_deleted(
    sliced, simulator, acme, monkeypatch
):
    connection = demo_connection(acme, project_keys="")
    site = simulator.site("acme")
    created = []
    original = JiraClient.search_jql

    def create_after_the_list(self, **query):
        page = original(self, **query)
        if query["fields"] == ["id"] and not created:
            created.append(site.create_issue("KAN"))  # after the ids were listed
        return page

    monkeypatch.setattr(JiraClient, "search_jql", create_after_the_list)
    run = sync_connection(connection)
    assert run.status == SyncRun.Status.SUCCEEDED, (run.error, run.warnings)
    assert created and run.issues_removed == 0
    assert not Issue.objects.filter(connection=connection, removed_at__isnull=False).exists()
    assert_matches_truth(connection, site)


@pytestmark_db
def test_a_short_incremental_sync_reads_one_stream(sliced, simulator, acme, searches):
    connection = demo_connection(acme, project_keys="")
    sync_connection(connection)
    site = simulator.site("acme")
    for jira_id in sorted(site.truth(DEMO_EMAIL))[:5]:
        site.update_issue(jira_id, summary="Changed")
    searches.clear()
    run = sync_connection(connection)
    assert run.status == SyncRun.Status.SUCCEEDED, (run.error, run.warnings)
    pages = _issue_pages(searches)
    assert len(pages) == 1 and "id >=" not in pages[0] and "updated >=" in pages[0]
    assert not [jql for jql, fields, _ in searches if fields == ("id",)]  # no ids-only pass
    assert_matches_truth(connection, site)


@pytestmark_db
def test_deletes_moves_and_creates_during_a_sliced_sync_lose_nothing(
    sliced, simulator, acme, monkeypatch
):
    connection = demo_connection(acme, project_keys="")
    site = simulator.site("acme")
    before = sorted(site.truth(DEMO_EMAIL), key=int)
    deleted, moved = before[10::60], before[40::60]
    changed = threading.Event()
    original = JiraClient.search_jql

    def change_while_paging(self, **query):
        page = original(self, **query)
        slice_page = "id >=" in query["jql"] and query.get("expand") == "changelog"
        if slice_page and not changed.is_set():
            changed.set()  # once the slices are being read: every later page sees it
            for jira_id in deleted:
                site.delete_issue(jira_id)
            for jira_id in moved:
                site.move_issue(
                    jira_id,
                    "PLAT" if site.truth(DEMO_EMAIL)[jira_id]["project"] != "PLAT" else "KAN",
                )
            site.create_issue("KAN")
        return page

    monkeypatch.setattr(JiraClient, "search_jql", change_while_paging)
    run = sync_connection(connection)
    # (Partial at most: an issue deleted while its pull requests were being read is a
    # warning, as in any sync.)
    assert run.status != SyncRun.Status.FAILED, (run.error, run.warnings)
    assert changed.is_set()
    stored = list(Issue.objects.filter(connection=connection).values_list("jira_id", flat=True))
    assert len(stored) == len(set(stored)), "an issue was stored twice"
    # Every issue there all along was stored, the moved ones (same id, new key) included.
    assert {int(i) for i in before if i not in deleted} <= set(stored)
    # The run's census used the ids listed at its start, where the deleted issues (and
    # sub-tasks deleted with them) still were: the next census marks them.
    monkeypatch.setattr(JiraClient, "search_jql", original)
    JiraConnection.objects.filter(pk=connection.pk).update(last_census_at=None)
    again = sync_connection(connection)
    assert again.kind == SyncRun.Kind.INCREMENTAL
    assert again.status == SyncRun.Status.SUCCEEDED, (again.error, again.warnings)
    assert again.issues_removed >= len(deleted)
    assert_matches_truth(connection, site)


def test_merged_readers_hold_at_most_so_many_items_whatever_the_sources():
    lock, produced, consumed, most = threading.Lock(), [0], [0], [0]

    def source(n):
        for item in range(20):
            with lock:
                produced[0] += 1
                most[0] = max(most[0], produced[0] - consumed[0])
            yield (n, item)

    read = []
    for item in read_merged([source(n) for n in range(6)], 3):
        read.append(item)
        time.sleep(0.001)
        with lock:
            consumed[0] += 1
    assert sorted(read) == [(n, i) for n in range(6) for i in range(20)]
    assert most[0] <= 3


def test_a_failing_reader_stops_the_merge_with_its_error():
    def broken():
        yield 1
        raise RuntimeError("page unreadable")

    def endless():
        while True:
            yield 2

    with pytest.raises(RuntimeError, match="page unreadable"):
        list(read_merged([endless(), broken()], 2))


class _Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _answered(pacer, clock, seconds: float) -> None:
    permit = pacer.acquire("GET /rest/api/3/myself")
    pacer.sending(permit)
    clock.now += seconds
    pacer.release(permit, status=200, headers={})


@pytest.mark.django_db
def test_more_pages_are_read_ahead_when_the_site_answers_slowly(acme):
    sync = run_module.IssueSync(demo_connection(acme), None, full=True, progress=None)
    clock = _Clock()
    sync.client.pacer = SitePacer(clock=clock)
    assert sync.client.pacer.fastest_answer() is None
    assert sync.pages_in_flight() == run_module.PAGES_IN_FLIGHT  # nothing known yet
    _answered(sync.client.pacer, clock, 0.02)
    assert sync.pages_in_flight() == run_module.PAGES_IN_FLIGHT  # close by: busy computing
    far = run_module.IssueSync(demo_connection(acme, "globex"), None, full=True, progress=None)
    far.client.pacer = SitePacer(clock=clock)
    for _ in range(3):
        _answered(far.client.pacer, clock, 0.2)
    assert far.client.pacer.fastest_answer() == pytest.approx(0.2)
    assert far.pages_in_flight() == run_module.PAGES_IN_FLIGHT_FAR > run_module.PAGES_IN_FLIGHT
