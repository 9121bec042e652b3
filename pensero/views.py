import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection as db_connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from pensero import services
from pensero.access import (
    current_membership,
    get_workspace_object_or_404,
    switch_workspace,
    workspace_admin_required,
)
from pensero.forms import MemberAddForm, MemberRoleForm, WorkspaceForm
from pensero.models import Membership

logger = logging.getLogger(__name__)


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever a page links; the icon is an SVG in static/.
    A temporary redirect: the static URL changes with the icon's content in production."""
    return redirect(static("favicon.svg"))


@never_cache
def healthz(request):
    """For load balancers: 200 when the database and the task broker answer. Says nothing else."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    healthy = all(checks.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            **{k: "ok" if v else "down" for k, v in checks.items()},
        },
        status=200 if healthy else 503,
    )


def _database_ok() -> bool:
    try:
        with db_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # any failure means "not healthy"; details stay in the logs
        logger.exception("Health check: database unreachable")
        return False


def _broker_ok() -> bool:
    try:
        from django_q.brokers import get_broker

        return bool(get_broker().ping())
    except Exception:
        logger.exception("Health check: task broker unreachable")
        return False


def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return redirect("account_login")


@login_required
def workspace_create(request):
    first = current_membership(request) is None
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workspace = services.workspace_create(
                user=request.user, name=form.cleaned_data["name"], slug=form.cleaned_data["slug"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            switch_workspace(request, workspace.id)
            messages.success(request, f"Workspace “{workspace.name}” created. You are its admin.")
            return redirect("dashboard")
    return render(request, "pensero/workspace_create.html", {"form": form, "first": first})


@login_required
@require_POST
def workspace_switch(request):
    raw = request.POST.get("workspace", "")
    workspace_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else 0
    membership = switch_workspace(request, workspace_id)
    messages.info(request, f"Now working in {membership.workspace.name}.")
    target = request.POST.get("next", "")
    # Only a path of this site; redirect() would take any other word for a view name.
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        target = reverse("dashboard")
    return HttpResponseRedirect(target)


@workspace_admin_required
def settings_home(request):
    return redirect("integrations")


@workspace_admin_required
def members(request):
    add_form = MemberAddForm(request.POST or None)
    if request.method == "POST" and add_form.is_valid():
        try:
            membership = services.member_add(
                workspace=request.workspace,
                email=add_form.cleaned_data["email"],
                role=add_form.cleaned_data["role"],
            )
        except ValidationError as error:
            add_form.add_error("email", error)
        else:
            messages.success(request, f"{membership.user.email} can now open this workspace.")
            return redirect("members")
    memberships = Membership.objects.filter(workspace=request.workspace).select_related("user")
    return render(
        request,
        "pensero/members.html",
        {"add_form": add_form, "memberships": memberships, "roles": Membership.Role.choices},
    )


@workspace_admin_required
@require_POST
def member_role(request, membership_id):
    membership = get_workspace_object_or_404(request, Membership, pk=membership_id)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose admin or member.")
        return redirect("members")
    try:
        services.membership_set_role(membership=membership, role=form.cleaned_data["role"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"{membership.user.email} is now {membership.get_role_display().lower()}."
        )
    return redirect("members")


@workspace_admin_required
@require_POST
def member_remove(request, membership_id):
    membership = get_workspace_object_or_404(request, Membership, pk=membership_id)
    try:
        services.membership_remove(membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{membership.user.email} was removed from the workspace.")
    return redirect("members")
