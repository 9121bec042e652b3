"""A realistic Jira Cloud simulator: deterministic sites served over real HTTP.

Used for local demos, browser and integration tests, and benchmarks; the web app never imports
it and the production image leaves it out. Standard library only, and nothing of the app, so
it runs anywhere: ``python -m jira_simulator --port 8765`` (cli.py; ``manage.py
jira_simulator`` wraps it), or in process::

    from jira_simulator import JiraSimulator, start_simulator, DEMO_EMAIL, DEMO_TOKEN

    running = start_simulator(JiraSimulator(seed=1, issues=2000))
    base = running.site_url("acme")  # http://127.0.0.1:PORT/s/acme, Jira's REST API below it
    site = running.simulator.site("acme")  # mutations and ground truth, thread-safe:
    site.update_issue("10001", summary="Renamed", status="Done")
    site.move_issue("10002", "ENG"); site.delete_issue("10003"); site.create_issue("PLAT")
    site.add_comment("10001"); site.mutate(rng_seed=1, count=50); site.truth()
    running.stop()

It also plays Atlassian's OAuth 2.0 (3LO) server (oauth.py): ``/authorize`` consents at once
as ``running.simulator.oauth.account_email`` for ``.oauth.sites``, ``/oauth/token`` rotates
refresh tokens, and ``/ex/jira/{cloudId}/rest/...`` serves the same sites to bearer tokens.

Out of process, the same is available at ``GET /_sim/{subdomain}/truth`` and
``POST /_sim/{subdomain}/mutate`` (see control.py). Module map: data (a site), generate /
history / content / devinfo (issue data), jql + search (enhanced search), render (JSON
shapes), api (endpoints), faults, server (HTTP), cli (the command line). Its tests are in
tests/jira_simulator/.
"""

from .constants import (
    DEFAULT_PROJECTS,
    DEMO_EMAIL,
    DEMO_TIMEZONE,
    DEMO_TOKEN,
    DEVELOPMENT_FIELD_ID,
    ESTIMATE_FIELD,
    LIMITED_EMAIL,
    LIMITED_TIMEZONE,
    LIMITED_TOKEN,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    STORY_POINTS_FIELD,
)
from .data import Site, UnknownIssue
from .faults import FAULT_KINDS, FaultRecord
from .oauth import OAuthServer
from .server import RunningSimulator, start_simulator
from .simulator import Account, JiraSimulator, RequestRecord

__all__ = [
    "DEFAULT_PROJECTS",
    "DEMO_EMAIL",
    "DEMO_TIMEZONE",
    "DEMO_TOKEN",
    "DEVELOPMENT_FIELD_ID",
    "FAULT_KINDS",
    "LIMITED_EMAIL",
    "LIMITED_TIMEZONE",
    "LIMITED_TOKEN",
    "OAUTH_CLIENT_ID",
    "OAUTH_CLIENT_SECRET",
    "ESTIMATE_FIELD",
    "STORY_POINTS_FIELD",
    "Account",
    "FaultRecord",
    "JiraSimulator",
    "OAuthServer",
    "RequestRecord",
    "RunningSimulator",
    "Site",
    "UnknownIssue",
    "start_simulator",
]
