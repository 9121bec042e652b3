"""`manage.py jira_simulator`: the Jira simulator in the foreground, as `python -m jira_simulator`.

The same options and output (jira_simulator/cli.py), for demos, browser tests and benchmarks.
"""

from django.core.management.base import BaseCommand, CommandError

from pensero.management.simulator import NOT_INSTALLED, jira_simulator


class Command(BaseCommand):
    help = jira_simulator.cli.DESCRIPTION if jira_simulator else NOT_INSTALLED

    def add_arguments(self, parser):
        if jira_simulator is None:
            # Here, before the options are parsed: they would be refused as unknown.
            parser.error(NOT_INSTALLED)
        jira_simulator.cli.add_arguments(parser)

    def handle(self, *args, **options):
        try:
            jira_simulator.cli.serve(options, self.stdout.write)
        except jira_simulator.cli.CannotStart as exc:
            raise CommandError(str(exc)) from exc
