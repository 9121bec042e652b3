"""Logging filters, used by the LOGGING setting."""

import logging


class ForbiddenIsInfo(logging.Filter):
    """A 403 on django.request becomes one INFO line without a traceback.

    Django logs every 403 at WARNING, with the PermissionDenied traceback: a member opening
    an admin page is a normal event, not a problem, and it buried real warnings. CSRF
    failures are logged by django.security.csrf, untouched.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
            record.exc_info = record.exc_text = None
        return True
