"""Logging filters, used by the LOGGING setting."""

import logging
import re


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


# The admin webhook receiver's URL token (integrations.webhooks.urls): a credential of sorts.
_WEBHOOK_TOKEN_RE = re.compile(r"(/hooks/jira/)[^/\s\"']+")


class HideWebhookTokens(logging.Filter):
    """Every log line naming a webhook receiver URL shows ``/hooks/jira/…/`` instead.

    The request log leaves the token out itself; this catches Django's and anyone else's
    lines (an error on a delivery logs "Internal Server Error: <path>").
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/hooks/jira/" in message:
            record.msg, record.args = _WEBHOOK_TOKEN_RE.sub(r"\1…", message), None
        return True
