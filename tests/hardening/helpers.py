"""Running the app in other processes against the test database and a simulator."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    params = connection.settings_dict
    if params["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{params['NAME']}"
    user = params.get("USER") or ""
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{params.get('HOST') or '127.0.0.1'}:{params.get('PORT') or 5432}/{params['NAME']}"


def app_env(**extra) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pensero.settings",
        "DATABASE_URL": test_database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "JIRA_SITE_URL_TEMPLATE": settings.JIRA_SITE_URL_TEMPLATE,
        "DEBUG": "0",
        "HTTPS": "0",
        "LOG_LEVEL": "WARNING",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def manage(*args, **popen_kwargs) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=app_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen_kwargs,
    )


def start_qcluster(env: dict) -> subprocess.Popen:
    """A real `manage.py qcluster` with `env` (from `app_env`); its errors on stderr."""
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


# Started by a small Python process rather than by the test process: on Linux a child's
# peak memory (ru_maxrss) starts from its parent's at the fork, and the test process can
# be hundreds of megabytes by then (simulators of earlier tests, their kept answers).
_MEASURING_LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=sys.stdout, stderr=subprocess.STDOUT)
_, status, usage = os.wait4(child.pid, 0)
sys.stdout.flush()
sys.stderr.write(f"{usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measuring_peak(args: list[str], env: dict) -> tuple[str, int, float]:
    """Run `manage.py args` in a process of its own: its output, exit code and peak
    memory in MB (of that process alone, whatever this one holds)."""
    process = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _MEASURING_LAUNCHER, sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    peak_kb = int(process.stderr.strip().splitlines()[-1])
    return process.stdout, process.returncode, peak_kb / 1024
