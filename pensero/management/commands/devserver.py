"""Run the web server and one background worker together; Ctrl-C stops them all.

With --demo (the default of `make run`), also the built-in Jira simulator on
127.0.0.1:8765 and a demo workspace whose admin is printed on first start.
"""

import os
import signal
import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

from integrations.simulator import DEMO_EMAIL, DEMO_TOKEN, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET

SIMULATOR_PORT = 8765
# In the demo the simulated sites change an issue this often, pushed by webhooks.
DEMO_ACTIVITY_SECONDS = 15


class Command(BaseCommand):
    help = "Serve the app on 127.0.0.1:8000 with one django-q2 cluster (used by `make run`)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument(
            "--demo", action="store_true", help="Also run the Jira simulator and a demo workspace."
        )
        parser.add_argument("--demo-issues", type=int, default=3000)

    def handle(self, *args, addr, demo, demo_issues, **options):
        # Stop on Ctrl-C and on SIGTERM, even when started in the background
        # (where a shell leaves SIGINT ignored).
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        manage = [sys.executable, "manage.py"]
        env = dict(os.environ)
        processes = {}
        if demo:
            simulator = f"http://127.0.0.1:{SIMULATOR_PORT}"
            env["JIRA_SITE_URL_TEMPLATE"] = f"{simulator}/s/{{subdomain}}"
            # Where the simulator delivers webhooks: the demo shows changes within seconds.
            env.setdefault("PUBLIC_BASE_URL", f"http://{addr}")
            # The simulator also plays Atlassian's authorization server, so
            # "Connect with Atlassian" works in the demo too.
            env.update(
                {
                    "ATLASSIAN_CLIENT_ID": OAUTH_CLIENT_ID,
                    "ATLASSIAN_CLIENT_SECRET": OAUTH_CLIENT_SECRET,
                    "ATLASSIAN_AUTH_URL": f"{simulator}/authorize",
                    "ATLASSIAN_TOKEN_URL": f"{simulator}/oauth/token",
                    "ATLASSIAN_API_URL": simulator,
                }
            )
            processes["simulator"] = subprocess.Popen(  # noqa: S603
                [
                    *manage,
                    "jira_simulator",
                    "--port",
                    str(SIMULATOR_PORT),
                    "--issues",
                    str(demo_issues),
                    "--oauth-sites",
                    "acme,globex",
                    "--activity-seconds",
                    str(DEMO_ACTIVITY_SECONDS),
                ],
                env=env,
                stdout=subprocess.DEVNULL,
            )
            call_command("demo_setup")
            self.stdout.write(
                "  The Jira simulator is running: in Settings → Integrations → Connect using API "
                "Token, enter\n"
                f"    Jira site: acme   Email: {DEMO_EMAIL}   API token: {DEMO_TOKEN}\n"
                "  or Connect with Atlassian, which consents at once for the sites acme and globex.\n"
                "  Real-time updates: on the site's Manage page choose Register it for me (OAuth\n"
                f"  connections register on their own); an issue changes every {DEMO_ACTIVITY_SECONDS} s and shows\n"
                "  within seconds.\n"
                "  (any site name works; DEMO=0 make run starts the app alone, for real Jira sites)\n"
            )
        processes["worker"] = subprocess.Popen([*manage, "qcluster"], env=env)  # noqa: S603
        processes["web"] = subprocess.Popen([*manage, "runserver", addr], env=env)  # noqa: S603
        self.stdout.write(
            f"Serving http://{addr}/ with a background worker. Ctrl-C stops everything."
        )
        try:
            while all(p.poll() is None for p in processes.values()):
                time.sleep(0.5)
            stopped = [name for name, p in processes.items() if p.poll() is not None]
            self.stderr.write(f"{', '.join(stopped)} stopped; stopping the rest.")
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()
            for process in processes.values():
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()


def _interrupt(signum, frame):
    raise KeyboardInterrupt
