"""What error reports may show: Django's filter, active with DEBUG on too.

Django's SafeExceptionReporterFilter hides the POST parameters and frame variables that
views mark with `sensitive_post_parameters` / `sensitive_variables`, but only when DEBUG
is off: the DEBUG error page would show a Jira token typed into the Connect form. This
filter hides them always (DEFAULT_EXCEPTION_REPORTER_FILTER), and also the settings that
carry passwords inside a URL.
"""

import re

from django.views.debug import SafeExceptionReporterFilter


class SecretsHiddenFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE_URL|REDIS|LOCATION",
        flags=re.IGNORECASE,
    )

    def is_active(self, request):
        return True
