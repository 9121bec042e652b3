"""Board names read from Jira's Agile API by the sync, over real HTTP from the simulator."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.clients import client_for
from integrations.models import JiraBoard, Sprint
from integrations.sync.boards import BOARDS_AT_ONCE, RECHECK_UNNAMED, name_boards
from integrations.sync.run import sync_connection
from jira_simulator import JiraSimulator
from tests.simulated import demo_connection, serving

pytestmark = pytest.mark.django_db(transaction=True)
BOARD_ROUTE = "/rest/agile/1.0/board/{ref}"


@pytest.fixture
def simulator(settings):
    sim = JiraSimulator(seed=7, issues=200, projects=("KAN", "ENG", "PLAT"))
    with serving(sim, settings):
        yield sim


@pytest.fixture
def connection(acme):
    return demo_connection(acme)


def _names(connection) -> dict[int, str]:
    return dict(JiraBoard.objects.filter(connection=connection).values_list("jira_id", "name"))


def test_a_sync_names_the_boards_of_its_sprints(simulator, connection):
    run = sync_connection(connection)
    assert run.status == "succeeded", run.error or run.warnings
    boards = set(
        Sprint.objects.filter(connection=connection, board_id__isnull=False).values_list(
            "board_id", flat=True
        )
    )
    truth = simulator.site("acme").board_truth()
    assert boards and _names(connection) == {board: truth[board]["name"] for board in boards}
    assert _names(connection)[2] == "ENG board"
    assert simulator.request_counts[BOARD_ROUTE] == len(boards)


def test_boards_already_named_are_not_asked_for_again(simulator, connection):
    sync_connection(connection)
    simulator.reset_counts()
    run = sync_connection(connection, full=True)
    assert run.status == "succeeded", run.error or run.warnings
    assert simulator.request_counts[BOARD_ROUTE] == 0


def test_a_board_jira_does_not_know_stays_unnamed_without_failing_the_sync(simulator, connection):
    Sprint.objects.create(
        workspace=connection.workspace, connection=connection, jira_id=9000, board_id=999
    )
    run = sync_connection(connection)
    assert run.status == "succeeded", run.error or run.warnings
    names = _names(connection)
    assert names[999] == "" and names[2] == "ENG board"


def test_an_unnamed_board_is_asked_for_again_after_a_while(simulator, connection):
    sync_connection(connection)
    JiraBoard.objects.filter(connection=connection, jira_id=2).update(
        name="", checked_at=timezone.now() - RECHECK_UNNAMED - timedelta(hours=1)
    )
    JiraBoard.objects.filter(connection=connection, jira_id=3).update(
        name="", checked_at=timezone.now()
    )
    sync_connection(connection)
    assert _names(connection)[2] == "ENG board"
    assert _names(connection)[3] == ""  # checked a moment ago: not yet


def _unknown_boards(connection, count: int) -> list[int]:
    ids = list(range(1000, 1000 + count))
    Sprint.objects.bulk_create(
        Sprint(workspace=connection.workspace, connection=connection, jira_id=9000 + i, board_id=i)
        for i in ids
    )
    return ids


def test_boards_are_asked_for_several_at_a_time(simulator, connection, monkeypatch):
    """At 300 ms a request, 20 boards asked one after the other would arrive 300 ms
    apart; asked BOARDS_AT_ONCE at a time, a batch arrives together."""
    sync_connection(connection)
    unknown = _unknown_boards(connection, 20)
    arrivals: list[float] = []
    count = simulator.count

    def counting(route):
        if route == BOARD_ROUTE:
            arrivals.append(time.monotonic())
        count(route)

    monkeypatch.setattr(simulator, "count", counting)
    simulator.latency_ms = 300
    client = client_for(connection)
    try:
        assert name_boards(client, connection) == ""
    finally:
        client.close()
    assert len(arrivals) == len(unknown)
    # The first board alone (a refusal there stands for every board), then a batch.
    assert BOARDS_AT_ONCE >= 4
    assert arrivals[1] - arrivals[0] >= 0.3
    batch = arrivals[1 : 1 + BOARDS_AT_ONCE]
    assert max(batch) - min(batch) < 0.25, batch
    names = _names(connection)
    assert all(names[board] == "" for board in unknown) and names[2] == "ENG board"
