import time

from django.core.management.base import BaseCommand, CommandError

from analytics.scores import recompute_scores
from pensero.models import Workspace


class Command(BaseCommand):
    help = "Score issues again with the current rules (all issues, or one workspace's)."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", metavar="SLUG", help="Only this workspace's issues.")
        parser.add_argument(
            "--only-outdated",
            action="store_true",
            help="Only issues without a score of the current rules version.",
        )
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, workspace=None, only_outdated=False, batch_size=2000, **options):
        target = None
        if workspace:
            target = Workspace.objects.filter(slug=workspace).first()
            if target is None:
                raise CommandError(f"No workspace with the short name {workspace!r}.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        started = time.perf_counter()
        count = recompute_scores(
            workspace=target, batch_size=batch_size, outdated_only=only_outdated
        )
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Scored {count} issues in {elapsed:.1f} s.")
