"""Webhook benchmark: from a change in the simulator to the change visible in export_issues.

Targets (2-core machine, PostgreSQL, one background worker): over 200 changes, with
deliveries sent twice or held back so later ones overtake them, the median time from the
change to its row in `export_issues` is under 3 s and the 95th percentile under 10 s; in
the end the export equals the simulator's truth.

The app runs as in production: gunicorn behind PUBLIC_BASE_URL, one `qcluster` worker,
the admin webhook registered with `jira_webhooks --register`. A change counts as visible
when the row `export_issues` prints has the change's `updated` (or is gone, for a delete);
the rows are read straight from the database every 50 ms for that, and the final
comparison runs `export_issues` itself.
"""

import json
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime

import requests

from benchmarks.common import ROOT, app_env, bench_database, free_port, manage, verdict
from benchmarks.sync import simulator
from jira_simulator import DEMO_EMAIL, DEMO_TOKEN

CHANGES = 200
ISSUES = 2000
SECONDS_BETWEEN_CHANGES = 0.1
TARGET_MEDIAN_S = 3.0
TARGET_P95_S = 10.0
WAIT_AFTER_LAST_S = 60

# Run by the app (`manage.py shell`), which doesn't need the simulator: its demo account is
# written into the script.
SETUP = f"""
from django.utils import timezone
from datetime import timedelta
from django_q.models import Schedule
from pensero.models import Workspace
from integrations.models import JiraConnection
from pensero.encryption import Secret
Schedule.objects.update(next_run=timezone.now() + timedelta(days=1))  # no scheduled sync meanwhile
w = Workspace.objects.create(name="Bench", slug="bench")
c = JiraConnection.objects.create(workspace=w, subdomain="bench", email={DEMO_EMAIL!r}, api_token=Secret({DEMO_TOKEN!r}))
print(c.pk)
"""


class Rows:
    """The connection's issue rows as export_issues reads them: jira_id → (updated ms, removed)."""

    def __init__(self, database_url: str, connection_id: int):
        self.connection_id = connection_id
        if database_url.startswith("sqlite"):
            import sqlite3

            self.db = sqlite3.connect(database_url.removeprefix("sqlite:///"))
            self.query = "SELECT jira_id, updated_at, removed_at FROM integrations_issue WHERE connection_id = ?"
        else:
            import psycopg

            self.db = psycopg.connect(database_url, autocommit=True)
            self.query = "SELECT jira_id, updated_at, removed_at FROM integrations_issue WHERE connection_id = %s"

    def read(self) -> dict[str, tuple[int, bool]]:
        rows = self.db.execute(self.query, (self.connection_id,)).fetchall()
        return {
            str(jira_id): (_ms(updated), removed is not None) for jira_id, updated, removed in rows
        }


def _ms(value) -> int:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return int(value.timestamp() * 1000)


def _control(url: str, action: dict) -> dict:
    response = requests.post(f"{url}/_sim/bench/mutate", json=action, timeout=30)
    response.raise_for_status()
    return response.json()["result"]


def _updated_ms(url: str, issue_id: str) -> int:
    truth = requests.get(f"{url}/_sim/bench/truth", params={"id": issue_id}, timeout=30).json()
    return truth[issue_id]["updated_ms"]


def _make_changes(url: str, rng: random.Random, live: list[str], done: list) -> None:
    """Apply CHANGES changes of every kind, paced; record (when, issue id, expected)."""
    statuses = ["To Do", "In Progress", "In Review", "Done"]
    for n in range(CHANGES):
        roll = rng.random()
        if roll < 0.05 and len(live) > 100:
            issue_id = live.pop(rng.randrange(len(live)))
            at = time.monotonic()
            deleted = _control(url, {"action": "delete_issue", "issue_id": issue_id})["deleted"]
            done.extend((at, gone, None) for gone in deleted)
            live[:] = [i for i in live if i not in deleted]
        else:
            if roll < 0.13:
                project = rng.choice(["KAN", "ENG", "PLAT"])
                at = time.monotonic()
                issue_id = _control(url, {"action": "create_issue", "project": project})["id"]
                live.append(issue_id)
            else:
                issue_id = rng.choice(live)
                at = time.monotonic()
                if roll < 0.33:
                    _control(url, {"action": "add_comment", "issue_id": issue_id})
                elif roll < 0.4:
                    _control(url, {"action": "move_issue", "issue_id": issue_id,
                                   "project": rng.choice(["KAN", "ENG", "PLAT"])})  # fmt: skip
                else:
                    change = rng.choice(
                        [{"status": rng.choice(statuses)}, {"summary": f"Change {n}"}]
                    )
                    _control(url, {"action": "update_issue", "issue_id": issue_id, **change})
            done.append((at, issue_id, _updated_ms(url, issue_id)))
        time.sleep(SECONDS_BETWEEN_CHANGES)


def _visible(row, expected) -> bool:
    if expected is None:  # deleted: gone from the export
        return row is None or row[1]
    return row is not None and not row[1] and row[0] >= expected


def _measure(url: str, rows: Rows) -> tuple[list[float], int]:
    rng = random.Random(15)
    live = sorted(requests.get(f"{url}/_sim/bench/truth", timeout=120).json())
    done: list = []
    changer = threading.Thread(target=_make_changes, args=(url, rng, live, done))
    changer.start()
    latencies: dict[int, float] = {}
    last_change_seen = None
    while True:
        now = time.monotonic()
        current = rows.read()
        for index, (at, issue_id, expected) in enumerate(list(done)):
            if index not in latencies and _visible(current.get(issue_id), expected):
                latencies[index] = now - at
        if not changer.is_alive():
            last_change_seen = last_change_seen or now
            if len(latencies) == len(done) or now - last_change_seen > WAIT_AFTER_LAST_S:
                break
        time.sleep(0.05)
    changer.join()
    return list(latencies.values()), len(done) - len(latencies)


def _export_equals_truth(url: str, env: dict, connection_id: str) -> tuple[bool, str]:
    output = manage(
        ["export_issues", "--connection", connection_id, "--format", "jsonl"],
        env,
        capture_output=True,
        text=True,
    ).stdout
    exported = {str(row["jira_id"]): row for row in map(json.loads, output.splitlines())}
    truth = requests.get(f"{url}/_sim/bench/truth", timeout=120).json()
    if set(exported) != set(truth):
        return False, f"{len(set(exported) ^ set(truth))} issues differ in presence"
    wrong = [
        i
        for i, t in truth.items()
        if (exported[i]["key"], exported[i]["summary"], exported[i]["status"])
        != (t["key"], t["summary"], t["status"])
        or _ms(exported[i]["updated"]) != t["updated_ms"]
    ]
    return not wrong, f"{len(wrong)} issues differ" if wrong else "equal"


def _start(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def main() -> int:
    print(
        f"Webhook benchmark ({CHANGES} changes, duplicates and out-of-order deliveries, one worker)"
    )
    sim_args = ["--webhook-duplicates", "0.2", "--webhook-reorder", "0.2"]
    with simulator(ISSUES, *sim_args) as url, bench_database("pensero_bench_webhooks") as db_url:
        web_port = free_port()
        env = app_env(
            db_url,
            JIRA_SITE_URL_TEMPLATE=url + "/s/{subdomain}",
            PUBLIC_BASE_URL=f"http://127.0.0.1:{web_port}",
            ALLOWED_HOSTS="127.0.0.1",
            Q_WORKERS=1,
            LOG_LEVEL="WARNING",
        )
        manage(["migrate", "--noinput", "-v", "0"], env)
        connection_id = (
            manage(["shell", "-v", "0", "-c", SETUP], env, capture_output=True, text=True)
            .stdout.strip()
            .splitlines()[-1]
        )
        manage(["sync_jira", "--connection", connection_id], env, capture_output=True)
        processes = [
            _start(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "pensero.wsgi",
                    "-b",
                    f"127.0.0.1:{web_port}",
                    "-w",
                    "2",
                ],
                env,
            ),  # fmt: skip
            _start([sys.executable, "manage.py", "qcluster"], env),
        ]
        try:
            for _ in range(100):
                try:
                    requests.get(f"http://127.0.0.1:{web_port}/healthz", timeout=5)
                    break
                except requests.RequestException:
                    time.sleep(0.2)
            manage(["jira_webhooks", "--connection", connection_id, "--register"], env,
                   capture_output=True)  # fmt: skip
            rows = Rows(db_url, int(connection_id))
            requests.post(f"{url}/_sim/reset", timeout=10)  # count only what follows
            latencies, missing = _measure(url, rows)
            time.sleep(3)  # the last duplicates and their processing
            equal, detail = _export_equals_truth(url, env, connection_id)
            deliveries = requests.get(f"{url}/_sim/webhooks", timeout=10).json()["deliveries"]
            searches = requests.get(f"{url}/_sim/stats", timeout=10).json()["request_counts"]
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
    median = statistics.median(latencies) if latencies else float("inf")
    p95 = statistics.quantiles(latencies, n=20)[18] if len(latencies) > 1 else float("inf")
    good = median < TARGET_MEDIAN_S and p95 < TARGET_P95_S and missing == 0
    print(
        f"  [{verdict(good)}] change → visible in export_issues: median {median:.2f} s "
        f"(target < {TARGET_MEDIAN_S:g} s), p95 {p95:.2f} s (target < {TARGET_P95_S:g} s), "
        f"max {max(latencies, default=0):.2f} s over {len(latencies)} changes"
        + (f", {missing} never visible" if missing else "")
    )
    print(
        f"  deliveries by status {deliveries}, {searches.get('/rest/api/3/search/jql', 0)} searches"
    )
    print(f"  [{verdict(equal)}] final export equals the simulator's truth: {detail}")
    return 0 if good and equal else 1


if __name__ == "__main__":
    sys.exit(main())
