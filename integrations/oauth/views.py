"""Connect with Atlassian (OAuth 2.0 3LO): thin views over integrations.oauth.flow.

Start and Reconnect are plain links (GET): the page's CSP `form-action 'self'` would
block a form post that redirects to Atlassian. They only put a fresh state in the
session and redirect; the consent screen is where anything is granted.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_variables

from integrations.models import JiraConnection
from integrations.oauth import atlassian, flow
from integrations.oauth.forms import PickSitesForm
from pensero.access import get_workspace_object_or_404, workspace_admin_required

NOT_CONFIGURED = (
    "Connect with Atlassian isn't available on this installation yet: it needs an Atlassian "
    "OAuth app (ATLASSIAN_CLIENT_ID and ATLASSIAN_CLIENT_SECRET)."
)


def _callback_url(request) -> str:
    return request.build_absolute_uri(reverse("jira_oauth_callback"))


@workspace_admin_required
def oauth_start(request):
    if not atlassian.is_configured():
        messages.error(request, NOT_CONFIGURED)
        return redirect("integrations")
    url = flow.begin_authorization(
        session=request.session, workspace=request.workspace, redirect_uri=_callback_url(request)
    )
    return redirect(url)


@workspace_admin_required
def oauth_reconnect(request, connection_id):
    connection = get_workspace_object_or_404(
        request, JiraConnection, pk=connection_id, auth_type=JiraConnection.AuthType.OAUTH
    )
    if not atlassian.is_configured():
        messages.error(request, NOT_CONFIGURED)
        return redirect("jira_manage", connection_id=connection.pk)
    url = flow.begin_authorization(
        session=request.session,
        workspace=request.workspace,
        redirect_uri=_callback_url(request),
        connection=connection,
    )
    return redirect(url)


@sensitive_variables()  # the code, and the tokens Atlassian exchanges it for
@workspace_admin_required
def oauth_callback(request):
    try:
        outcome = flow.complete_authorization(
            session=request.session, workspace=request.workspace, params=request.GET
        )
    except flow.OAuthFlowFailed as failure:
        messages.error(request, failure.message)
        return redirect("integrations")
    if outcome.needs_pick:
        return redirect("jira_oauth_pick")
    return _finish(request, outcome)


@sensitive_variables()  # the parked grant's tokens
@workspace_admin_required
def oauth_pick(request):
    try:
        pending = flow.pending_grant(request.session, workspace=request.workspace)
    except flow.OAuthFlowFailed as failure:
        messages.error(request, failure.message)
        return redirect("integrations")
    if request.method == "POST" and "cancel" in request.POST:
        flow.discard_pending(request.session)
        messages.info(request, "Nothing was connected.")
        return redirect("integrations")
    taken = flow.taken_sites(request.workspace, pending.sites)
    data = request.POST if request.method == "POST" else None  # an empty POST is still a POST
    form = PickSitesForm(data, sites=pending.sites, taken=taken)
    if request.method == "POST" and form.is_valid():
        outcome = flow.connect_sites(
            workspace=request.workspace, pending=pending, cloud_ids=form.cleaned_data["sites"]
        )
        flow.discard_pending(request.session)
        return _finish(request, outcome)
    return render(
        request,
        "integrations/oauth_pick.html",
        {
            "form": form,
            "taken": [site for site in pending.sites if site.cloud_id in taken],
            "granted_by": pending.granted_by,
        },
    )


def _finish(request, outcome: flow.ConnectOutcome):
    for message in outcome.skipped:
        messages.warning(request, message)
    hosts = ", ".join(connection.site_host for connection in outcome.connected)
    if not outcome.connected:
        return redirect("integrations")
    if outcome.reconnected:
        messages.success(request, f"Reconnected {hosts} with Atlassian. Syncing resumes now.")
    else:
        messages.success(
            request,
            f"Connected {hosts} with Atlassian. The first sync has started; a big site may "
            "take a while.",
        )
    if len(outcome.connected) == 1 or outcome.reconnected:
        return redirect("jira_manage", connection_id=outcome.connected[0].pk)
    return redirect("integrations")
