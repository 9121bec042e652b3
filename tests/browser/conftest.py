"""Fixtures for the browser tests: Debian's Chromium driven by Playwright, a page that
records console errors and refuses to leave 127.0.0.1, a Jira simulator and a real
`manage.py qcluster` running the background tasks against the test database.

Never `playwright install`: the tests use /usr/bin/chromium and no network.
"""

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.hardening.helpers import ROOT, app_env

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = "Debian's chromium is not installed: apt-get install chromium (CI installs it)"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
LOCAL_SCHEMES = {"data", "blob", "about"}

# The journey's simulated Jira: big and slow enough that the first sync's progress
# bar stays on screen for several seconds (the panel polls every 2 s; at 15 ms an answer
# the sync of 1,000 issues ended between two polls).
SIM_ISSUES = 1000
SIM_LATENCY_MS = 300


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"browser_report_{report.when}", report)


@pytest.fixture
def chromium():
    """A headless Chromium for one test.

    Playwright's sync API keeps an asyncio loop running in this thread, and Django refuses
    ORM calls from a thread with a running loop. The test's own ORM calls are plain
    synchronous ones, so they are allowed for as long as Playwright runs.

    While it runs, this thread's code sees another context (Django keeps connections per
    context), so the connections opened meanwhile are closed before it stops: left open,
    PostgreSQL would refuse to drop the test database at the end.
    """
    if not CHROMIUM.exists():
        pytest.skip(CHROMIUM_MISSING)
    from django.db import connections
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        connections.close_all()
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Browsing:
    """One browser context and page, with what went wrong on them.

    `console_errors` and `page_errors` collect the pages' console errors and uncaught
    exceptions; `outside_requests` every request for a host other than 127.0.0.1 or
    localhost (each one is aborted, never sent); `server_errors` every 5xx response.
    """

    def __init__(self, context):
        self.context = context
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.outside_requests: list[str] = []
        self.server_errors: list[str] = []
        context.route("**/*", self._guard)
        self.page = context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        self.page.on("response", self._response)

    def _guard(self, route):
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES or parts.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.outside_requests.append(url)
            route.abort()

    def _response(self, response):
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    def _console(self, message):
        if message.type == "error":
            self.console_errors.append(f"{message.text} (at {message.location.get('url', '')})")

    def shot(self, name: str) -> Path:
        """A full-page screenshot, test-artifacts/browser/<name>.png, for a person to look at."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_clean(self, *, allowed_console: tuple[str, ...] = ()):
        """No console error (but those matching `allowed_console`), no page error, nothing sent
        beyond 127.0.0.1."""
        console = [
            e for e in self.console_errors if not any(re.search(p, e) for p in allowed_console)
        ]
        for error in self.console_errors:
            if error not in console:
                print(f"Expected console error: {error}")
        assert console == [], "console errors"
        assert self.page_errors == [], "uncaught page errors"
        assert self.outside_requests == [], "requests for hosts other than 127.0.0.1"
        assert self.server_errors == [], "server errors"


@pytest.fixture
def browsing(request, chromium, live_server):
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    session = Browsing(context)
    try:
        yield session
    finally:
        report = getattr(request.node, "browser_report_call", None)
        if report is not None and report.failed:
            print(f"Server errors: {session.server_errors}")
            print(f"Console errors: {session.console_errors}")
            try:
                print(f"Failed on {session.page.url}")
                session.shot(f"FAILED-{request.node.name}")
            except Exception as error:  # the page may be gone; the failure itself matters more
                print(f"No failure screenshot: {error}")
        context.close()


@pytest.fixture
def jira_simulator(settings):
    from jira_simulator import JiraSimulator
    from tests.simulated import serving

    simulator = JiraSimulator(seed=7, issues=SIM_ISSUES, latency_ms=SIM_LATENCY_MS)
    with serving(simulator, settings) as running:
        yield running


@pytest.fixture
def task_cluster(transactional_db, jira_simulator, monkeypatch):
    """A real `manage.py qcluster` (one worker) on the test database.

    Tasks queued by the live server go to the ORM broker instead of running inside the
    request (the test settings run them synchronously), so the sync runs in the background
    as in production. The periodic schedule is pushed an hour away so only the tasks the
    test queues run. The cluster's output goes to test-artifacts/browser/qcluster.log.
    """
    from django.utils import timezone
    from django_q.conf import Conf
    from django_q.models import Schedule

    monkeypatch.setattr(Conf, "SYNC", False)
    Schedule.objects.update(next_run=timezone.now() + timedelta(hours=1))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = (ARTIFACTS / "qcluster.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=app_env(
            Q_WORKERS=1,
            JIRA_SITE_URL_TEMPLATE=jira_simulator.site_url_template,
            LOG_LEVEL="INFO",
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
