"""One simulated Jira Cloud site server per test module, and clients of its two accounts."""

import pytest

from jira_simulator import (
    DEMO_EMAIL,
    DEMO_TOKEN,
    LIMITED_EMAIL,
    LIMITED_TOKEN,
    JiraSimulator,
    start_simulator,
)
from tests.jira_simulator.helpers import NOW, jira_session


@pytest.fixture(scope="module")
def simulator():
    return JiraSimulator(seed=7, issues=600, now=NOW)


@pytest.fixture(scope="module")
def server(simulator):
    with start_simulator(simulator) as running:
        yield running


@pytest.fixture
def demo():
    with jira_session(DEMO_EMAIL, DEMO_TOKEN) as session:
        yield session


@pytest.fixture
def limited():
    with jira_session(LIMITED_EMAIL, LIMITED_TOKEN) as session:
        yield session
