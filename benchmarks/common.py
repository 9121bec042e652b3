"""Shared pieces of the benchmarks: a throwaway database and small helpers.

Benchmarks run against the database server of DATABASE_URL (PostgreSQL is what
the targets are set for) but always in a database of their own, created and
dropped here, so they never touch real data.
"""

import os
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
TEST_KEYS = {
    "SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdef",
    "FIELD_ENCRYPTION_KEYS": "YmVuY2gtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleSE=",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def bench_database(name: str):
    """Yield a DATABASE_URL for a fresh database `name` on the DATABASE_URL server (or SQLite).

    The process id is part of the name: two benchmarks on one server never share one.
    """
    name = f"{name}_{os.getpid()}"
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        path = ROOT / f"{name}.sqlite3"
        path.unlink(missing_ok=True)
        try:
            yield f"sqlite:///{path}"
        finally:
            path.unlink(missing_ok=True)
        return
    import psycopg

    parts = urlsplit(base)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_env(database_url: str, **extra) -> dict:
    """The environment of an app process: production settings, whatever this process uses.

    The reports benchmark runs Django in this process with the test settings; its
    DJANGO_SETTINGS_MODULE must not leak into the app processes started after it: under
    the test settings tasks run inside the request that queues them, so gunicorn would
    process every webhook delivery itself instead of leaving it to the worker.
    """
    env = {
        **os.environ,
        **TEST_KEYS,
        "DJANGO_SETTINGS_MODULE": "pensero.settings",
        "DEBUG": "0",
        "HTTPS": "0",
        "DATABASE_URL": database_url,
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def manage(args: list[str], env: dict, *, root: Path = ROOT, **kwargs):
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=root, env=env, check=True, **kwargs
    )


class Measured(NamedTuple):
    seconds: float  # wall time
    rss: int  # peak resident memory, MB
    cpu: float  # user + system CPU seconds
    output: str


def run_measured(args: list[str], env: dict, *, root: Path = ROOT) -> Measured:
    """Run `manage.py args` (of the tree at `root`): its wall time, peak RSS, CPU and output."""
    start = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{output}")
    return Measured(elapsed, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime, output)


def median(values):
    return statistics.median(values)


def verdict(ok: bool) -> str:
    return "OK  " if ok else "MISS"
