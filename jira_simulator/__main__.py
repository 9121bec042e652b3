"""``python -m jira_simulator``: serve simulated Jira Cloud sites until Ctrl-C (cli.py)."""

import sys

from .cli import main

sys.exit(main())
