"""`make run`'s parent process (manage.py devserver) leaves no process behind when it stops."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from tests.hardening.helpers import ROOT, app_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children_by_parent() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    return children


def _descendants(pid: int) -> set[int]:
    children = _children_by_parent()
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited
    except OSError:
        return False


def _wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback only
    except urllib.error.HTTPError:
        return True  # it answered
    except OSError:
        return False
    return True


@pytest.fixture
def leftovers():
    """Pids the test expects gone; any still alive at the end are killed, not left running."""
    pids: set[int] = set()
    yield pids
    everything = pids | {child for root in pids for child in _descendants(root)}
    for pid in everything:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def _devserver(leftovers, *wrapper, demo=False, stdout=subprocess.DEVNULL):
    web, simulator = _free_port(), _free_port()
    args = [sys.executable, "manage.py", "devserver", "--addr", f"127.0.0.1:{web}"]
    if demo:
        args += ["--demo", "--demo-issues", "20", "--simulator-port", str(simulator)]
    process = subprocess.Popen(  # noqa: S603
        [*wrapper, *args] if not wrapper else [*wrapper, " ".join(args) + "; true"],
        cwd=ROOT,
        env=app_env(DEBUG="1", LOG_LEVEL="ERROR"),
        stdout=stdout,
        stderr=subprocess.DEVNULL,
    )
    leftovers.add(process.pid)
    urls = [f"http://127.0.0.1:{web}/healthz"]
    if demo:
        urls.append(f"http://127.0.0.1:{simulator}/s/acme/rest/api/3/serverInfo")
    assert _wait_for(lambda: all(_answers(url) for url in urls), 60), "devserver never served"
    return process


def test_sigterm_stops_every_child_even_with_a_worker_busy(acme, leftovers):
    # A task that keeps a worker busy for minutes, as a long sync would.
    subprocess.run(  # noqa: S603
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django_q.tasks import async_task; async_task('time.sleep', 300)",
        ],
        cwd=ROOT,
        env=app_env(),
        check=True,
        timeout=60,
    )
    devserver = _devserver(leftovers, demo=True)
    taken = lambda: OrmQ.objects.filter(lock__gt=timezone.now() + timedelta(minutes=5)).exists()  # noqa: E731
    assert _wait_for(taken, 60), "no worker took the task"
    children = _descendants(devserver.pid)
    leftovers.update(children)
    assert len(children) >= 5  # simulator, qcluster and its processes, runserver and its child

    devserver.send_signal(signal.SIGTERM)
    devserver.wait(timeout=60)
    assert _wait_for(lambda: not any(_alive(pid) for pid in children), 10), [
        pid for pid in children if _alive(pid)
    ]


def test_when_make_is_killed_devserver_stops_its_children(leftovers):
    shell = _devserver(
        leftovers, "/bin/sh", "-c"
    )  # stands in for make, which runs the recipe in a shell
    (devserver,) = _children_by_parent()[shell.pid]
    children = _descendants(devserver)
    leftovers.update(children | {devserver})
    assert children

    shell.kill()
    shell.wait()
    assert _wait_for(lambda: not _alive(devserver), 30), "devserver outlived its parent"
    assert _wait_for(lambda: not any(_alive(pid) for pid in children), 10), [
        pid for pid in children if _alive(pid)
    ]


def test_ctrl_c_prints_stopped_and_returns_only_after_every_child_exited(leftovers):
    devserver = _devserver(leftovers, demo=True, stdout=subprocess.PIPE)
    children = _descendants(devserver.pid)
    leftovers.update(children)
    assert len(children) >= 4  # simulator, qcluster and its processes, runserver and its child

    devserver.send_signal(signal.SIGINT)
    output, _ = devserver.communicate(timeout=60)
    # At once, without waiting: by the time it returned, everything it started had exited.
    assert [pid for pid in children if _alive(pid)] == []
    last_line = output.decode().strip().splitlines()[-1]
    assert last_line == "Stopped: simulator, worker, web exited."
