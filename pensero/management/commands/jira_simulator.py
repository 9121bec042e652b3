"""`manage.py jira_simulator`: the Jira simulator in the foreground, as `python -m jira_simulator`.

The same options and output (jira_simulator/cli.py), for demos, browser tests and benchmarks.
"""

from django.core.management.base import BaseCommand, CommandError

from jira_simulator import cli


class Command(BaseCommand):
    help = cli.DESCRIPTION

    def add_arguments(self, parser):
        cli.add_arguments(parser)

    def handle(self, *args, **options):
        try:
            cli.serve(options, self.stdout.write)
        except cli.CannotStart as exc:
            raise CommandError(str(exc)) from exc
