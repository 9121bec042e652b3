"""`manage.py qcluster`: django-q's worker cluster, whose syncs stop at once on SIGTERM.

It stands in for django-q's own command (the integrations app is listed before django_q,
so its commands win): the same cluster and options, with one difference, that SIGTERM or
SIGINT first asks running syncs to stop (integrations.shutdown), so the cluster stops in
seconds instead of after the longest sync.
"""

import os

from django.conf import settings
from django_q.cluster import Cluster
from django_q.management.commands.qcluster import Command as DjangoQCommand

from integrations import shutdown


class SyncStoppingCluster(Cluster):
    def sig_handler(self, signum, frame):
        shutdown.request()
        super().sig_handler(signum, frame)


class Command(DjangoQCommand):
    def handle(self, *args, **options):
        # As django-q's own command does: the cluster signs tasks with the SECRET_KEY.
        settings.SECRET_KEY  # noqa: B018
        if options.get("cluster_name"):
            os.environ["Q_CLUSTER_NAME"] = options["cluster_name"]
        cluster = SyncStoppingCluster()
        cluster.start()
        if options.get("run_once"):
            cluster.stop()
