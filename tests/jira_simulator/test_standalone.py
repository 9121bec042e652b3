"""The simulator stands alone: the standard library is all it needs, and nothing of the app."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Imports every module of the package and lists the project's packages that got loaded.
IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
import jira_simulator
for module in pkgutil.walk_packages(jira_simulator.__path__, "jira_simulator."):
    if module.name != "jira_simulator.__main__":  # that one starts serving
        importlib.import_module(module.name)
root = sys.argv[1]
loaded = {
    name.partition(".")[0]
    for name, module in list(sys.modules.items())
    if (getattr(module, "__file__", None) or "").startswith(root)
}
print(json.dumps(sorted(loaded)))
"""


def _python_without_site_packages(*args: str) -> subprocess.CompletedProcess:
    # -S: no site-packages, so Django, requests and the rest can't be imported at all.
    return subprocess.run(  # noqa: S603
        [sys.executable, "-S", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_every_module_imports_with_the_standard_library_alone_and_none_of_the_app():
    result = _python_without_site_packages("-c", IMPORT_EVERYTHING, str(ROOT))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["jira_simulator"]


def test_its_command_line_runs_without_site_packages():
    result = _python_without_site_packages("-m", "jira_simulator", "--help")
    assert result.returncode == 0, result.stderr
    assert "--rate-limit N" in result.stdout
