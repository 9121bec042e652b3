"""Run the web server and one background worker together; Ctrl-C stops them all.

With --demo (the default of `make run`), also the Jira simulator (`python -m jira_simulator`)
on 127.0.0.1:8765 and a demo workspace whose admin is printed on first start.

Each child runs in its own process group, and stopping means stopping the whole group:
qcluster's worker processes and runserver's reloader child are not left behind, even
when a worker is in the middle of a sync (qcluster alone would wait for it to finish).
Everything stops on Ctrl-C, SIGTERM or SIGHUP, and when `make` above us goes away; the
command prints "Stopped." and returns only once every process of every group has exited.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from pensero.management.simulator import require_simulator

SIMULATOR_PORT = 8765
# How long the children get to stop on SIGTERM before they are killed.
STOP_GRACE_SECONDS = 10
# How long killed processes get to be gone (they can't refuse; this only bounds the wait).
KILLED_GONE_SECONDS = 10
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
        parser.add_argument("--simulator-port", type=int, default=SIMULATOR_PORT)

    def handle(self, *args, addr, demo, demo_issues, simulator_port, **options):
        jira_simulator = require_simulator() if demo else None  # before anything starts
        if demo and not settings.DEMO and _database_file() == settings.SQLITE_FILE:
            raise CommandError(
                "The demo keeps its own database: run it with DEMO=1 (as `make run` does), "
                "which uses db-demo.sqlite3, not db.sqlite3."
            )
        # Stop on Ctrl-C, SIGTERM and SIGHUP (the terminal closed), even when started in
        # the background (where a shell leaves SIGINT ignored).
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _interrupt)
        parent = os.getppid()
        manage = [sys.executable, "manage.py"]
        env = dict(os.environ)
        processes = {}
        try:
            if jira_simulator:
                self._demo(jira_simulator, processes, env, demo_issues, simulator_port, addr)
            processes["worker"] = _start([*manage, "qcluster"], env)
            processes["web"] = _start([*manage, "runserver", addr], env)
            self.stdout.write(
                f"Serving http://{addr}/ with a background worker. Ctrl-C stops everything."
            )
            while all(p.poll() is None for p in processes.values()):
                if os.getppid() != parent:  # `make` was killed: nobody would stop us
                    self.stderr.write("The parent process is gone; stopping.")
                    break
                time.sleep(0.5)
            else:
                stopped = [name for name, p in processes.items() if p.poll() is not None]
                self.stderr.write(f"{', '.join(stopped)} stopped; stopping the rest.")
        except KeyboardInterrupt:
            pass
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(signum, signal.SIG_IGN)  # a second Ctrl-C must not cut this short
            left = _stop(processes.values())
            if left:
                self.stderr.write(f"Processes still running after SIGKILL: {sorted(left)}")
            else:
                self.stdout.write(f"Stopped: {', '.join(processes) or 'nothing'} exited.")

    def _demo(self, jira_simulator, processes, env, demo_issues, port, addr):
        simulator = f"http://127.0.0.1:{port}"
        env["JIRA_SITE_URL_TEMPLATE"] = f"{simulator}/s/{{subdomain}}"
        # Where the simulator delivers webhooks: the demo shows changes within seconds.
        env.setdefault("PUBLIC_BASE_URL", f"http://{addr}")
        # The simulator also plays Atlassian's authorization server, so
        # "Connect with Atlassian" works in the demo too.
        env.update(
            {
                "ATLASSIAN_CLIENT_ID": jira_simulator.OAUTH_CLIENT_ID,
                "ATLASSIAN_CLIENT_SECRET": jira_simulator.OAUTH_CLIENT_SECRET,
                "ATLASSIAN_AUTH_URL": f"{simulator}/authorize",
                "ATLASSIAN_TOKEN_URL": f"{simulator}/oauth/token",
                "ATLASSIAN_API_URL": simulator,
            }
        )
        processes["simulator"] = _start(
            [
                sys.executable,
                "-m",
                "jira_simulator",
                "--port",
                str(port),
                "--issues",
                str(demo_issues),
                "--oauth-sites",
                "acme,globex",
                "--activity-seconds",
                str(DEMO_ACTIVITY_SECONDS),
            ],
            env,
            stdout=subprocess.DEVNULL,
        )
        call_command("demo_setup")
        self.stdout.write(
            "  The Jira simulator is running: in Settings → Integrations → Connect using API "
            "Token, enter\n"
            f"    Jira site: acme   Email: {jira_simulator.DEMO_EMAIL}   "
            f"API token: {jira_simulator.DEMO_TOKEN}\n"
            "  or Connect with Atlassian, which consents at once for the sites acme and globex.\n"
            "  Real-time updates: on the site's Manage page choose Register it for me (OAuth\n"
            f"  connections register on their own); an issue changes every {DEMO_ACTIVITY_SECONDS} s and shows\n"
            "  within seconds.\n"
            "  (any site name works; DEMO=0 make run starts the app alone, for real Jira sites)\n"
        )


def _database_file() -> Path | None:
    return Path(connection.settings_dict["NAME"]) if connection.vendor == "sqlite" else None


def _start(args, env, **options) -> subprocess.Popen:
    # A process group of its own (pgid = its pid): the terminal's Ctrl-C reaches only us,
    # and _stop reaches every process the child starts.
    return subprocess.Popen(  # noqa: S603
        args, env=env, process_group=0, stdin=subprocess.DEVNULL, **options
    )


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the whole group is gone already
        os.killpg(process.pid, signum)


def _groups_left(processes) -> set[int]:
    """The process groups of `processes` that still have a member (a zombie counts)."""
    left = set()
    for process in processes:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            continue
        except PermissionError:  # a member changed user; it is still there
            pass
        left.add(process.pid)
    return left


def _wait_groups_gone(processes, seconds: float) -> set[int]:
    deadline = time.monotonic() + seconds
    while True:
        # Members orphaned by their leader may be ours to reap (when we run as pid 1).
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        left = _groups_left(processes)
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.1)


def _stop(processes) -> set[int]:
    """SIGTERM every child's group, wait up to STOP_GRACE_SECONDS for every member to exit,
    then SIGKILL what's left and wait for it. Returns the groups still not empty (none,
    unless a process is stuck in the kernel)."""
    processes = list(processes)
    for process in processes:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
    # The leaders are reaped; the groups' other members may outlive them.
    _wait_groups_gone(processes, max(0.0, deadline - time.monotonic()))
    for process in processes:
        _signal_group(process, signal.SIGKILL)
        process.wait()
    return _wait_groups_gone(processes, KILLED_GONE_SECONDS)


def _interrupt(signum, frame):
    raise KeyboardInterrupt
