"""The web server's own logs: gunicorn, started as the Procfile, Dockerfile and compose file
start it, keeps no access log (each line would print a webhook receiver's URL token; the
app's request log names the path with the token left out)."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _procfile_web() -> list[str]:
    (line,) = [
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")
    ]
    command = line.removeprefix("web:").replace("${PORT:-8000}", "8000")
    return shlex.split(command.replace("${WEB_CONCURRENCY:-3}", "3"))


def _dockerfile_cmd() -> list[str]:
    (line,) = [
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD")
    ]
    return [part.strip().strip('"') for part in line.removeprefix("CMD").strip(" []").split(",")]


def _compose_web() -> list[str]:
    match = re.search(r"command:\s*(gunicorn[^\n]*)", (ROOT / "compose.yaml").read_text())
    return shlex.split(match.group(1))


@pytest.mark.parametrize("command", [_procfile_web, _dockerfile_cmd, _compose_web])
def test_gunicorn_as_deployed_keeps_no_access_log(command):
    argv = command()
    assert argv[0] == "gunicorn"
    printed = subprocess.run(
        [str(GUNICORN), *argv[1:], "--print-config"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=True,
    ).stdout
    (accesslog,) = re.findall(r"^accesslog\s*=\s*(.*)$", printed, flags=re.MULTILINE)
    assert accesslog.strip() == "None"
