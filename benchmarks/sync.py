"""Sync benchmark: full and no-change syncs against the simulator over real HTTP.

Targets (2-core machine, PostgreSQL, simulator at zero latency):
- a full sync of 10,000 issues in under 30 s,
- a following incremental sync with no changes in under 2 s,
- peak memory of the sync process under 250 MB at 100,000 issues.

`BENCH_RUNS` (default 3) sets how many fresh full syncs the median is taken over;
`BENCH_BIG=0` skips the 100,000-issue run (it takes several minutes).
"""

import os
import subprocess
import sys
import time
from contextlib import contextmanager

import requests

from benchmarks.common import (
    ROOT,
    app_env,
    bench_database,
    free_port,
    manage,
    median,
    run_measured,
    verdict,
)

SETUP = """
from pensero.models import Workspace
from integrations.models import JiraConnection
from integrations.simulator import DEMO_EMAIL, DEMO_TOKEN
from pensero.encryption import Secret
w = Workspace.objects.create(name="Bench", slug="bench")
c = JiraConnection.objects.create(workspace=w, subdomain="bench", email=DEMO_EMAIL, api_token=Secret(DEMO_TOKEN))
print(c.pk)
"""

LAST_RUN = """
from integrations.models import SyncRun
r = SyncRun.objects.order_by("-started_at").first()
print(r.status, r.issues_seen, r.requests_made)
"""


@contextmanager
def simulator(issues: int, *extra_args: str):
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "manage.py",
            "jira_simulator",
            "--port",
            str(port),
            "--issues",
            str(issues),
            "--seed",
            "1",
            *extra_args,
        ],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{url}/s/bench/rest/api/3/serverInfo", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _sync_once(issues: int, *, incremental_too: bool) -> dict:
    with simulator(issues) as url, bench_database(f"pensero_bench_sync_{issues}") as db_url:
        env = app_env(db_url, JIRA_SITE_URL_TEMPLATE=url + "/s/{subdomain}", LOG_LEVEL="WARNING")
        manage(["migrate", "--noinput", "-v", "0"], env)
        connection_id = (
            manage(["shell", "-v", "0", "-c", SETUP], env, capture_output=True, text=True)
            .stdout.strip()
            .splitlines()[-1]
        )
        # Issues are generated lazily by the simulator: warm it up so its own
        # first-touch cost isn't counted as the app's sync time.
        requests.get(f"{url}/_sim/bench/truth", timeout=600)
        result = {}
        seconds, rss, _ = run_measured(["sync_jira", "--connection", connection_id], env)
        status, seen, requests_made = manage(
            ["shell", "-v", "0", "-c", LAST_RUN], env, capture_output=True, text=True
        ).stdout.split()[-3:]
        result["full"] = (seconds, rss, status, int(seen), int(requests_made))
        if incremental_too:
            seconds, rss, _ = run_measured(["sync_jira", "--connection", connection_id], env)
            status, seen, requests_made = manage(
                ["shell", "-v", "0", "-c", LAST_RUN], env, capture_output=True, text=True
            ).stdout.split()[-3:]
            result["incremental"] = (seconds, rss, status, int(seen), int(requests_made))
        return result


def main() -> int:
    ok = True
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    print(
        f"Sync benchmark (simulator over HTTP, sync_jira in its own process; median of {runs} runs)"
    )
    results = [_sync_once(10_000, incremental_too=True) for _ in range(runs)]
    full = [r["full"] for r in results]
    seconds = median([f[0] for f in full])
    seen = full[0][3]
    requests_made = median([f[4] for f in full])
    good = seconds < 30 and all(f[2] == "succeeded" for f in full)
    ok &= good
    print(
        f"  [{verdict(good)}] full sync of {seen} issues: median {seconds:.1f} s (target < 30 s; "
        f"runs {', '.join(f'{f[0]:.1f}' for f in full)}), {seen / seconds:.0f} issues/s, "
        f"{requests_made / max(seen, 1):.2f} requests/issue, peak RSS {max(f[1] for f in full)} MB"
    )
    incremental = [r["incremental"] for r in results]
    seconds = median([i[0] for i in incremental])
    good = seconds < 2 and all(i[2] == "succeeded" for i in incremental)
    ok &= good
    print(
        f"  [{verdict(good)}] incremental sync, no changes: median {seconds:.2f} s (target < 2 s), "
        f"{incremental[0][4]} requests, process start included"
    )
    if os.environ.get("BENCH_BIG", "1") != "0":
        result = _sync_once(100_000, incremental_too=False)
        seconds, rss, status, seen, requests_made = result["full"]
        good = rss < 250 and status == "succeeded"
        ok &= good
        print(
            f"  [{verdict(good)}] full sync of {seen} issues: peak RSS {rss} MB (target < 250 MB), "
            f"{seconds:.0f} s, {seen / seconds:.0f} issues/s"
        )
    else:
        print("  [skip] 100,000-issue memory run (BENCH_BIG=0)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
