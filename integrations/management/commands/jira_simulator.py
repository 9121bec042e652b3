"""Run the built-in Jira Cloud simulator in the foreground (for demos, browser tests, benchmarks)."""

from __future__ import annotations

import gc
import itertools
import time

from django.core.management.base import BaseCommand, CommandError

from jira_simulator import (
    DEMO_EMAIL,
    DEMO_TOKEN,
    LIMITED_EMAIL,
    LIMITED_TOKEN,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    JiraSimulator,
    start_simulator,
)


class Command(BaseCommand):
    help = "Serve simulated Jira Cloud sites at http://HOST:PORT/s/{subdomain} until Ctrl-C."

    def add_arguments(self, parser):
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
            help="requests per second per site; more are answered 429 like Jira (0: no limit)",
        )
        parser.add_argument(
            "--slow-seconds", type=float, default=2.0, help="delay of a 'slow' fault"
        )
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
            "--activity-seconds",
            type=float,
            default=0.0,
            help="every this many seconds, change one issue of each site that has webhooks",
        )

    def handle(self, *args, **options):
        projects = [key.strip() for key in options["projects"].split(",") if key.strip()]
        if options["issues"] < 0 or not 0.0 <= options["fault_rate"] <= 1.0:
            raise CommandError("--issues must be >= 0 and --fault-rate within 0..1")
        if options["rate_limit"] < 0:
            raise CommandError("--rate-limit must be >= 0")
        simulator = JiraSimulator(
            seed=options["seed"],
            issues=options["issues"],
            projects=projects,
            latency_ms=options["latency_ms"],
            fault_rate=options["fault_rate"],
            slow_seconds=options["slow_seconds"],
            rate_limit=options["rate_limit"],
        )
        simulator.oauth.sites = [
            site.strip().lower() for site in options["oauth_sites"].split(",") if site.strip()
        ]
        simulator.webhooks.configure(
            delay_ms=options["webhook_delay_ms"],
            duplicate_rate=options["webhook_duplicates"],
            reorder_rate=options["webhook_reorder"],
        )
        try:
            running = start_simulator(simulator, host=options["host"], port=options["port"])
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot start the simulator: {exc}") from exc
        # This process only serves generated data: fewer, larger GC passes cut page latency
        # by about a third (cached issues are long-lived, every response is short-lived).
        gc.set_threshold(100_000, 50, 100)
        self.stdout.write(
            f"Jira simulator on {running.url} (seed {simulator.seed}, "
            f"{simulator.issue_count} issues per site, projects {','.join(projects)})"
        )
        self.stdout.write(f"JIRA_SITE_URL_TEMPLATE={running.site_url_template}")
        self.stdout.write(f"Demo account:    {DEMO_EMAIL} / {DEMO_TOKEN} (all projects)")
        self.stdout.write(f"Limited account: {LIMITED_EMAIL} / {LIMITED_TOKEN} (first project)")
        self.stdout.write(
            f"Connect with Atlassian: ATLASSIAN_CLIENT_ID={OAUTH_CLIENT_ID} "
            f"ATLASSIAN_CLIENT_SECRET={OAUTH_CLIENT_SECRET} "
            f"ATLASSIAN_AUTH_URL={running.url}/authorize "
            f"ATLASSIAN_TOKEN_URL={running.url}/oauth/token ATLASSIAN_API_URL={running.url} "
            f"(consents as {simulator.oauth.account_email} for {', '.join(simulator.oauth.sites)})"
        )
        self.stdout.write("Control API: GET /_sim/{subdomain}/truth, POST /_sim/{subdomain}/mutate")
        if options["activity_seconds"] > 0:
            self.stdout.write(
                f"Every {options['activity_seconds']:g} s one issue changes on each site with "
                "webhooks, and the change is delivered to them."
            )
        self.stdout.write("Press Ctrl-C to stop.")
        try:
            self._run(simulator, options["activity_seconds"])
        except KeyboardInterrupt:
            self.stdout.write("Stopping.")
        finally:
            running.stop()

    @staticmethod
    def _run(simulator, activity_seconds: float) -> None:
        """Serve until Ctrl-C; with activity, keep the sites that have webhooks changing."""
        if activity_seconds <= 0:
            while True:
                time.sleep(3600)
        for tick in itertools.count(1):
            time.sleep(activity_seconds)
            for subdomain in {r.subdomain for r in simulator.webhooks.registrations()}:
                simulator.site(subdomain).mutate(rng_seed=tick, count=1)
