"""Notices every report page shows above the report (templates/analytics/report_base.html)."""

from django import template

from analytics.reports.first_sync import first_syncs

register = template.Library()


@register.inclusion_tag("analytics/includes/first_sync_notice.html", takes_context=True)
def first_sync_notice(context) -> dict:
    """Says the data is partial while a site's first sync hasn't finished."""
    workspace = context.get("current_workspace")
    return {"first_syncs": first_syncs(workspace) if workspace else []}
