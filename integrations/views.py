from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from integrations import delivery, services
from integrations.forms import (
    ApiTokenConnectForm,
    DeliveryRulesForm,
    DisconnectForm,
    ManageForm,
    StoryPointsFieldForm,
)
from integrations.models import JiraConnection, SyncRun
from integrations.oauth import atlassian
from integrations.sync.claims import active_run, sync_queued, with_running_flag
from integrations.webhooks import setup as webhook_setup
from integrations.webhooks.views import card_context as webhook_card_context
from pensero.access import get_workspace_object_or_404, workspace_admin_required


@workspace_admin_required
def integrations(request):
    jira_connections = with_running_flag(JiraConnection.objects.filter(workspace=request.workspace))
    return render(
        request,
        "integrations/integrations.html",
        {"jira_connections": jira_connections, "oauth_configured": atlassian.is_configured()},
    )


@sensitive_post_parameters("api_token")
@sensitive_variables()  # every frame below: the token, the Authorization header, Jira's answer
@workspace_admin_required
def connect_token(request):
    form = ApiTokenConnectForm(request.POST or None, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        try:
            connection = services.jira_connection_create(
                workspace=request.workspace,
                subdomain=form.cleaned_data["subdomain"],
                email=form.cleaned_data["email"],
                api_token=form.cleaned_data["api_token"],
                project_keys=form.cleaned_data["projects"],
            )
        except services.CredentialCheckFailed as failure:
            form.add_error(failure.field, failure.message)
        else:
            messages.success(
                request,
                f"Connected {connection.site_host}. The first sync has started; a big site "
                "may take a while.",
            )
            return redirect("jira_manage", connection_id=connection.pk)
    return render(request, "integrations/connect_token.html", {"form": form})


def _sync_context(connection):
    """The recent runs, the running one, and whether a sync is queued but not started yet."""
    current_run = active_run(connection)  # dead runs are failed first
    runs = list(connection.sync_runs.all()[:10])
    queued = current_run is None and sync_queued(connection, runs[0] if runs else None)
    return {
        "connection": connection,
        "runs": runs,
        # How the latest run ended, shown in the panel itself when it failed or was cancelled.
        "last_run": runs[0] if runs and current_run is None and not queued else None,
        "last_run_status": runs[0].status if runs else None,
        "current_run": current_run,
        "queued": queued,
        "active": bool(current_run) or queued,
    }


def _manage_context(request, connection, form):
    return {
        **_sync_context(connection),
        "form": form,
        "points_form": StoryPointsFieldForm(connection=connection),
        "projects": connection.projects.all(),
        "disconnect_form": DisconnectForm(),
        "oauth_configured": atlassian.is_configured(),
        **webhook_card_context(connection),
    }


@sensitive_post_parameters("api_token")
@sensitive_variables()
@workspace_admin_required
def manage(request, connection_id):
    connection = get_workspace_object_or_404(request, JiraConnection, pk=connection_id)
    form = ManageForm(request.POST or None, connection=connection)
    if request.method == "POST" and not connection.is_disconnected and form.is_valid():
        try:
            services.jira_connection_update(
                connection=connection,
                email=form.cleaned_data.get("email", connection.email),
                api_token=form.cleaned_data.get("api_token") or None,
                project_keys=form.cleaned_data["projects"],
            )
        except services.CredentialCheckFailed as failure:
            form.add_error(failure.field if failure.field in form.fields else None, failure.message)
        else:
            messages.success(request, "Saved. The new settings apply from the next sync.")
            return redirect("jira_manage", connection_id=connection.pk)
    return render(request, "integrations/manage.html", _manage_context(request, connection, form))


@workspace_admin_required
@require_POST
def story_points_field(request, connection_id):
    connection = get_workspace_object_or_404(request, JiraConnection, pk=connection_id)
    form = StoryPointsFieldForm(request.POST, connection=connection)
    if not form.is_valid():
        messages.error(request, "Choose one of the listed story points fields.")
    elif services.jira_connection_set_story_points_field(
        connection=connection, field_id=form.cleaned_data["story_points_field"]
    ):
        messages.success(
            request,
            "Saved. The next sync reads every issue's story points again; "
            "choose Sync now to run it now.",
        )
    return redirect("jira_manage", connection_id=connection.pk)


@workspace_admin_required
def delivery_settings(request):
    """Settings → Delivery: the resolutions that close work without delivering it."""
    form = DeliveryRulesForm(
        request.POST or None,
        choices=delivery.site_resolutions(request.workspace),
        current=list(delivery.not_delivered_resolutions(request.workspace.pk)),
    )
    if request.method == "POST" and form.is_valid():
        changed = delivery.delivery_rules_update(
            workspace=request.workspace, not_delivered=form.names()
        )
        messages.success(
            request,
            f"Saved. {changed} synced issue{'s' if changed != 1 else ''} changed between "
            "delivered and not delivered; reports use the new rule now.",
        )
        return redirect("delivery_settings")
    return render(request, "integrations/delivery_settings.html", {"form": form})


@workspace_admin_required
@require_POST
def sync_now(request, connection_id):
    connection = get_workspace_object_or_404(request, JiraConnection, pk=connection_id)
    outcome = services.sync_request(connection=connection, trigger=SyncRun.Trigger.MANUAL)
    if outcome is services.SyncRequest.CANNOT_SYNC:
        messages.error(request, "Fix the connection first: it can't sync in its current state.")
    elif outcome is services.SyncRequest.ALREADY_RUNNING:
        messages.info(request, "A sync of this site is already running.")
    else:
        messages.success(request, "Sync queued. Progress shows below.")
    return redirect("jira_manage", connection_id=connection.pk)


@workspace_admin_required
def sync_progress(request, connection_id):
    """The sync panel, history and status badge as HTML fragments, polled by sync-progress.js."""
    connection = get_workspace_object_or_404(request, JiraConnection, pk=connection_id)
    context = _sync_context(connection)
    fragments = {
        name: render_to_string(f"integrations/includes/{template}.html", context, request=request)
        for name, template in [
            ("panel", "sync_panel"),
            ("history", "sync_history"),
            ("badge", "status_badge"),
        ]
    }
    return JsonResponse({**fragments, "active": context["active"]})


@workspace_admin_required
def disconnect(request, connection_id):
    connection = get_workspace_object_or_404(request, JiraConnection, pk=connection_id)
    form = DisconnectForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        delete_data = form.cleaned_data["delete_data"]
        # While the credentials still work: Jira stops sending the app's webhooks.
        webhook_setup.unregister(connection)
        services.jira_connection_disconnect(connection=connection, delete_data=delete_data)
        messages.success(
            request,
            f"Disconnected {connection.site_host}. "
            + (
                "Its synced data was deleted."
                if delete_data
                else "Its synced data stays in reports."
            ),
        )
        return redirect("integrations")
    return render(request, "integrations/disconnect.html", {"connection": connection, "form": form})
