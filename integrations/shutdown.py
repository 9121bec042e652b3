"""A worker cluster shutting down asks the syncs it runs to stop now, not when they finish.

django-q's own stop waits for every worker to finish its task, and a full sync of a large
site takes many minutes: longer than a deploy or a container stop gives before SIGKILL,
which loses the task. The `qcluster` command (integrations/management/commands) sets this
flag on SIGTERM or SIGINT; it is shared with the worker processes, which are forked after
this module is imported. A sync checks it a few times a second (`IssueSync.check_cancelled`),
ends its run as interrupted and is queued again for the next cluster.
"""

import multiprocessing

# Made when the module is imported, in the cluster's first process: the workers it forks
# share it.
_requested = multiprocessing.get_context("fork").Event()


def request() -> None:
    _requested.set()


def requested() -> bool:
    return _requested.is_set()
