"""The production image runs the app from the Dockerfile's files, without the Jira simulator.

The image's files are copied into a folder as the Dockerfile lists them, and the app is run
from there in a process where `jira_simulator` can't be imported, whatever else is installed.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = ("pensero", "integrations", "analytics")

# Run in the image's folder: sys.path holds it and the installed packages, and the simulator
# can't be imported even where it is installed (None in sys.modules halts its import).
PRELUDE = """
import sys
sys.path.insert(0, ".")
sys.modules["jira_simulator"] = None
"""

IMPORT_EVERYTHING = (
    PRELUDE
    + """
import importlib, json, pkgutil
import django
django.setup()
from django.core.management import call_command
from django.urls import get_resolver

for package in {packages!r}:
    for module in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
        importlib.import_module(module.name)
get_resolver().url_patterns  # every view the URLs name
call_command("check")
# Modules found in the project folder rather than the image's (the virtualenv aside).
files = {{name: getattr(module, "__file__", None) or "" for name, module in sys.modules.items()}}
print(json.dumps(sorted(name for name, file in files.items()
                        if file.startswith({root!r}) and not file.startswith(sys.prefix))))
"""
)

RUN_MANAGE = (
    PRELUDE
    + """
import runpy
sys.argv = ["manage.py", *sys.argv[1:]]
runpy.run_path("manage.py", run_name="__main__")
"""
)


def _copied_by_dockerfile() -> list[str]:
    """The project's paths the Dockerfile copies, each to the same place under WORKDIR."""
    sources = []
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        words = line.split()
        if words[:1] != ["COPY"]:
            continue
        *copied, destination = [word for word in words[1:] if not word.startswith("--")]
        for source in copied:
            # What this test can reproduce: a file or folder copied under its own name.
            assert destination.rstrip("/") in (".", source) or len(copied) > 1, line
            sources.append(source)
    return sources


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Path:
    """A folder holding what the image's /app holds."""
    folder = tmp_path_factory.mktemp("image")
    for source in _copied_by_dockerfile():
        if (ROOT / source).is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(ROOT / source, folder / source, ignore=ignore, dirs_exist_ok=True)
        else:
            shutil.copy2(ROOT / source, folder / source)
    return folder


def _python(image: Path, script: str, *args: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "pensero.settings",
        "DEBUG": "0",
        "SECRET_KEY": "image-test-secret-key-not-for-production-0123456789",
        "FIELD_ENCRYPTION_KEYS": "aW1hZ2UtdGVzdC1vbmx5LWVuY3J5cHRpb24ta2V5ISE=",
        "DATABASE_URL": f"sqlite:///{image / 'db.sqlite3'}",
    }
    # -I: neither PYTHONPATH nor the project folder is on sys.path, only the image's folder.
    return subprocess.run(  # noqa: S603
        [sys.executable, "-I", "-c", script, *args],
        cwd=image,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_image_holds_the_app_and_no_simulator_tests_or_benchmarks(image):
    held = {path.name for path in image.iterdir()}
    assert set(APP_PACKAGES) <= held
    assert not held & {"jira_simulator", "tests", "benchmarks", ".env", "db.sqlite3"}


def test_every_module_of_the_app_imports_from_the_images_files_alone(image):
    script = IMPORT_EVERYTHING.format(packages=APP_PACKAGES, root=str(ROOT))
    result = _python(image, script)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []  # nothing from outside the image


@pytest.mark.parametrize(
    ("command", "status"),
    [(["jira_simulator", "--port", "8765"], 2), (["devserver", "--demo"], 1)],
)
def test_the_development_commands_say_the_simulator_is_missing(image, command, status):
    result = _python(image, RUN_MANAGE, *command)
    assert result.returncode == status
    assert "the Jira simulator (the jira_simulator package) isn't installed here" in result.stderr
    assert "Traceback" not in result.stderr
