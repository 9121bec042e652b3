"""Today's code next to this one: a copy of an earlier commit's tree to run the same benchmark on.

`BENCH_BASELINE` (default: the commit the sync speed-ups started from) is exported with
`git archive` into a temporary folder, outside the repository, and run with the same
Python environment; no worktree is registered and nothing in the repository changes.
To reproduce a baseline figure by hand:

    git archive 82cd5e6 | tar -x -C /tmp/pensero-82cd5e6
    cd /tmp/pensero-82cd5e6 && python manage.py migrate && python manage.py sync_jira ...
"""

import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from benchmarks.common import ROOT

DEFAULT_BASELINE = "82cd5e6"


def baseline_commit() -> str:
    return os.environ.get("BENCH_BASELINE", DEFAULT_BASELINE)


@contextmanager
def baseline_tree(commit: str | None = None):
    """Yield the folder of `commit`'s files (default: the baseline commit), or None when git
    can't provide them."""
    commit = commit or baseline_commit()
    folder = Path(tempfile.mkdtemp(prefix=f"pensero-{commit}-"))
    try:
        archive = subprocess.run(  # noqa: S603
            ["git", "archive", "--format=tar", commit],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        if archive.returncode != 0:
            yield None
            return
        subprocess.run(  # noqa: S603
            ["tar", "-x", "-C", str(folder)],  # noqa: S607
            input=archive.stdout,
            check=True,
        )
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
