"""System checks of the Jira settings: run by `manage.py check`, `migrate` and `qcluster`.

A bad value stops those commands at start, with the fix, instead of answering 500 on the
Connect form or failing every sync.
"""

from django.conf import settings
from django.core.checks import Error, register
from django.core.checks import Warning as CheckWarning

from integrations.jira.client import JiraClient
from integrations.jira.sites import InvalidSiteUrlTemplate, site_base_url

EXAMPLE = "e.g. https://{subdomain}.atlassian.net (the default)"


@register
def site_url_template_check(app_configs, **kwargs):
    try:
        # The URL a site would get, checked the way the Jira client checks its base URL.
        JiraClient(base_url=site_base_url("acme")).close()
    except InvalidSiteUrlTemplate as problem:
        why = str(problem)
    except ValueError:
        why = "it doesn't make a plain http(s) URL (no user, password, query or fragment)"
    else:
        return []
    return [
        Error(
            # Not the value itself: a malformed one may hold a password.
            f"JIRA_SITE_URL_TEMPLATE can't be used: {why}.",
            hint=f"Set it to a URL with {{subdomain}} where the site's name goes, {EXAMPLE}.",
            id="integrations.E001",
        )
    ]


@register(deploy=True)
def site_url_template_https_check(app_configs, **kwargs):
    if settings.JIRA_SITE_URL_TEMPLATE.startswith("https://"):
        return []
    return [
        CheckWarning(
            "JIRA_SITE_URL_TEMPLATE is not https: Jira credentials would travel unencrypted.",
            hint=f"Keep the default, {EXAMPLE}, in production.",
            id="integrations.W001",
        )
    ]


@register
def sync_interval_check(app_configs, **kwargs):
    if settings.JIRA_SYNC_INTERVAL_MINUTES >= 1:
        return []
    return [
        Error(
            f"JIRA_SYNC_INTERVAL_MINUTES is {settings.JIRA_SYNC_INTERVAL_MINUTES}; it must be "
            "a whole number of minutes, at least 1.",
            hint="60 (hourly) is the default.",
            id="integrations.E002",
        )
    ]
