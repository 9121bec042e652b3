"""The simulator from the command line: ``python -m jira_simulator [options]``.

Serves simulated Jira Cloud sites in the foreground until Ctrl-C, printing how to point the
app at them. ``manage.py jira_simulator`` is the same command: it adds these options to its
own parser and calls ``serve``.
"""

from __future__ import annotations

import argparse
import functools
import gc
import itertools
import signal
import time
from collections.abc import Callable

from .constants import (
    DEMO_EMAIL,
    DEMO_TOKEN,
    LIMITED_EMAIL,
    LIMITED_TOKEN,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
)
from .encoding import KEPT_BYTES
from .server import start_simulator
from .simulator import JiraSimulator

KEPT_MB = KEPT_BYTES // (1024 * 1024)
DESCRIPTION = "Serve simulated Jira Cloud sites at http://HOST:PORT/s/{subdomain} until Ctrl-C."


class CannotStart(Exception):
    """Options out of range, or an address the simulator can't listen on."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1", help="loopback only")
    parser.add_argument("--issues", type=int, default=2000, help="issues per site")
    parser.add_argument("--projects", default="KAN,ENG,PLAT", help="comma-separated keys")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency-ms", type=int, default=0, help="added to every request")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="0..1, seeded faults")
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=0.0,
        metavar="N",
        help="requests per second per site, endpoint and method; more are answered 429 like Jira (0: no limit)",
    )
    parser.add_argument("--slow-seconds", type=float, default=2.0, help="delay of a 'slow' fault")
    parser.add_argument(
        "--oauth-sites",
        default="acme",
        help="comma-separated sites an Atlassian (OAuth) consent grants",
    )
    parser.add_argument(
        "--webhook-delay-ms", type=int, default=0, help="webhook deliveries leave this late"
    )
    parser.add_argument(
        "--webhook-duplicates", type=float, default=0.0, help="0..1, deliveries sent twice"
    )
    parser.add_argument(
        "--webhook-reorder",
        type=float,
        default=0.0,
        help="0..1, deliveries held back up to a second (later ones overtake them)",
    )
    parser.add_argument(
        "--kept-mb",
        type=int,
        default=KEPT_MB,
        metavar="MB",
        help="per site, encoded issues and per-issue answers kept until the site changes "
        "(0: render every request)",
    )
    parser.add_argument(
        "--activity-seconds",
        type=float,
        default=0.0,
        help="every this many seconds, change one issue of each site that has webhooks",
    )


def serve(options: dict, write: Callable[[str], object]) -> None:
    """Serve the simulator the parsed `options` describe until Ctrl-C; `write` prints a line.

    Raises CannotStart before serving anything when the options or the address don't work.
    """
    simulator = _simulator(options)
    try:
        running = start_simulator(simulator, host=options["host"], port=options["port"])
    except (OSError, ValueError) as exc:
        raise CannotStart(f"cannot start the simulator: {exc}") from exc
    # This process only serves generated data: fewer, larger GC passes cut page latency
    # by about a third (cached issues are long-lived, every response is short-lived).
    gc.set_threshold(100_000, 50, 100)
    # Ctrl-C (SIGINT) stops it even when a shell without job control started it in the
    # background, which leaves SIGINT ignored (and Python then never raises
    # KeyboardInterrupt): scripts and test runs stop it that way.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    _introduce(running, options, write)
    try:
        _run(simulator, options["activity_seconds"])
    except KeyboardInterrupt:
        write("Stopping.")
    finally:
        running.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jira_simulator", description=DESCRIPTION)
    add_arguments(parser)
    options = vars(parser.parse_args(argv))
    try:
        # Flushed line by line: whoever started us (a test, a benchmark) reads the address.
        serve(options, functools.partial(print, flush=True))
    except CannotStart as exc:
        parser.exit(1, f"{parser.prog}: {exc}\n")
    return 0


def _simulator(options: dict) -> JiraSimulator:
    if options["issues"] < 0 or not 0.0 <= options["fault_rate"] <= 1.0:
        raise CannotStart("--issues must be >= 0 and --fault-rate within 0..1")
    if options["rate_limit"] < 0:
        raise CannotStart("--rate-limit must be >= 0")
    if options["kept_mb"] < 0:
        raise CannotStart("--kept-mb must be >= 0")
    simulator = JiraSimulator(
        seed=options["seed"],
        issues=options["issues"],
        projects=_projects(options),
        latency_ms=options["latency_ms"],
        fault_rate=options["fault_rate"],
        slow_seconds=options["slow_seconds"],
        rate_limit=options["rate_limit"],
    )
    simulator.kept_bytes = options["kept_mb"] * 1024 * 1024
    simulator.oauth.sites = [
        site.strip().lower() for site in options["oauth_sites"].split(",") if site.strip()
    ]
    simulator.webhooks.configure(
        delay_ms=options["webhook_delay_ms"],
        duplicate_rate=options["webhook_duplicates"],
        reorder_rate=options["webhook_reorder"],
    )
    return simulator


def _projects(options: dict) -> list[str]:
    return [key.strip() for key in options["projects"].split(",") if key.strip()]


def _introduce(running, options: dict, write: Callable[[str], object]) -> None:
    """Print where the sites are and the accounts and settings that reach them."""
    simulator = running.simulator
    write(
        f"Jira simulator on {running.url} (seed {simulator.seed}, "
        f"{simulator.issue_count} issues per site, projects {','.join(_projects(options))})"
    )
    write(f"JIRA_SITE_URL_TEMPLATE={running.site_url_template}")
    write(f"Demo account:    {DEMO_EMAIL} / {DEMO_TOKEN} (all projects)")
    write(f"Limited account: {LIMITED_EMAIL} / {LIMITED_TOKEN} (first project)")
    write(
        f"Connect with Atlassian: ATLASSIAN_CLIENT_ID={OAUTH_CLIENT_ID} "
        f"ATLASSIAN_CLIENT_SECRET={OAUTH_CLIENT_SECRET} "
        f"ATLASSIAN_AUTH_URL={running.url}/authorize "
        f"ATLASSIAN_TOKEN_URL={running.url}/oauth/token ATLASSIAN_API_URL={running.url} "
        f"(consents as {simulator.oauth.account_email} for {', '.join(simulator.oauth.sites)})"
    )
    write("Control API: GET /_sim/{subdomain}/truth, POST /_sim/{subdomain}/mutate")
    if options["activity_seconds"] > 0:
        write(
            f"Every {options['activity_seconds']:g} s one issue changes on each site with "
            "webhooks, and the change is delivered to them."
        )
    write("Press Ctrl-C to stop.")


def _run(simulator: JiraSimulator, activity_seconds: float) -> None:
    """Serve until Ctrl-C; with activity, keep the sites that have webhooks changing."""
    if activity_seconds <= 0:
        while True:
            time.sleep(3600)
    for tick in itertools.count(1):
        time.sleep(activity_seconds)
        for subdomain in {r.subdomain for r in simulator.webhooks.registrations()}:
            simulator.site(subdomain).mutate(rng_seed=tick, count=1)
