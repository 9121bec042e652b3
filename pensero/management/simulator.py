"""The Jira simulator (jira_simulator/) for the development commands, where it is installed.

`manage.py jira_simulator` and `devserver --demo` are for development; the production image
leaves the simulator out (Dockerfile). Its import is guarded rather than made lazy: it stays
at the top like every other import, every module of the app (these commands' included) still
imports without the package (tests/pensero/test_production_image.py), and a command that
needs it says what is missing instead of failing with a traceback.
"""

from django.core.management.base import CommandError

try:
    import jira_simulator
    import jira_simulator.cli
except ModuleNotFoundError as missing:
    if missing.name != "jira_simulator":
        raise  # the simulator is there but broken: show that
    jira_simulator = None

NOT_INSTALLED = (
    "the Jira simulator (the jira_simulator package) isn't installed here: it is for "
    "development and left out of the production image; run this from a source checkout"
)


def require_simulator():
    """The jira_simulator package; CommandError where it isn't installed."""
    if jira_simulator is None:
        raise CommandError(NOT_INSTALLED)
    return jira_simulator
