"""The simulator from the command line: `python -m jira_simulator`, and `manage.py jira_simulator`
with the same options and the same output."""

import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from jira_simulator import DEMO_EMAIL, DEMO_TOKEN

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = {
    "python -m": [sys.executable, "-m", "jira_simulator"],
    "manage.py": [sys.executable, "manage.py", "jira_simulator"],
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Simulator:
    """A simulator started from the command line, killed after a minute whatever happens."""

    def __init__(self, command: str, *options: str):
        self.process = subprocess.Popen(  # noqa: S603
            [*COMMANDS[command], *options],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.deadline = threading.Timer(60, self.process.kill)
        self.deadline.start()

    def introduction(self) -> list[str]:
        """The lines it prints before serving, up to "Press Ctrl-C to stop."."""
        lines = []
        for line in self.process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Press Ctrl-C"):
                break
        return lines

    def interrupt(self) -> tuple[int, str]:
        """Ctrl-C; its exit status and what it printed after the introduction."""
        self.process.send_signal(signal.SIGINT)
        rest = self.process.stdout.read()
        self.deadline.cancel()
        return self.process.wait(), rest


@pytest.mark.parametrize("command", COMMANDS)
def test_it_serves_sites_with_the_options_given_until_ctrl_c(command):
    port = _free_port()
    simulator = Simulator(command, "--port", str(port), "--issues", "25", "--projects", "KAN,ENG")
    introduction = simulator.introduction()
    try:
        assert introduction[0].startswith(f"Jira simulator on http://127.0.0.1:{port} ")
        site = f"http://127.0.0.1:{port}/s/acme"
        assert f"JIRA_SITE_URL_TEMPLATE=http://127.0.0.1:{port}/s/{{subdomain}}" in introduction
        me = requests.get(f"{site}/rest/api/3/myself", auth=(DEMO_EMAIL, DEMO_TOKEN), timeout=10)
        assert me.json()["emailAddress"] == DEMO_EMAIL
        truth = requests.get(f"http://127.0.0.1:{port}/_sim/acme/truth", timeout=30).json()
        assert len(truth) == 25
        assert {issue["project"] for issue in truth.values()} == {"KAN", "ENG"}
    finally:
        status, rest = simulator.interrupt()
    assert (status, rest.strip()) == (0, "Stopping.")


def test_both_commands_say_the_same():
    port = _free_port()
    said = {}
    for command in COMMANDS:
        simulator = Simulator(command, "--port", str(port), "--activity-seconds", "15")
        said[command] = simulator.introduction()
        simulator.interrupt()
    assert said["python -m"] == said["manage.py"]
    assert said["python -m"][-2].startswith("Every 15 s one issue changes")


@pytest.mark.parametrize("command", COMMANDS)
def test_options_out_of_range_are_refused_before_serving(command):
    refused = subprocess.run(  # noqa: S603
        [*COMMANDS[command], "--port", str(_free_port()), "--fault-rate", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    assert "--fault-rate within 0..1" in refused.stderr
    assert "Jira simulator on" not in refused.stdout
