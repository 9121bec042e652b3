"""Who may see what: the one place that scopes workspace data to the requesting user.

Every view that shows workspace data is wrapped in `workspace_member_required`
or `workspace_admin_required`, and looks objects up with
`get_workspace_object_or_404`. An object of another workspace is a 404; a
member on an admin page is a 403.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404, redirect

from pensero.models import Membership

SESSION_KEY = "workspace_id"


def memberships_of(user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("workspace")


def current_membership(request) -> Membership | None:
    """The membership of the workspace the user is working in (chosen in the session)."""
    if not request.user.is_authenticated:
        return None
    if hasattr(request, "_membership"):
        return request._membership
    memberships = memberships_of(request.user)
    wanted = request.session.get(SESSION_KEY)
    membership = None
    if wanted is not None:
        membership = memberships.filter(workspace_id=wanted).first()
    if membership is None:
        membership = memberships.order_by("workspace__name", "workspace_id").first()
        if membership is not None:
            request.session[SESSION_KEY] = membership.workspace_id
    request._membership = membership
    return membership


def switch_workspace(request, workspace_id: int) -> Membership:
    """Make `workspace_id` the current workspace; 404 unless the user belongs to it."""
    membership = get_object_or_404(memberships_of(request.user), workspace_id=workspace_id)
    request.session[SESSION_KEY] = membership.workspace_id
    request._membership = membership
    return membership


def _workspace_view(view, *, admin: bool):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        membership = current_membership(request)
        if membership is None:
            return redirect("workspace_create")
        if admin and not membership.is_admin:
            raise PermissionDenied("Only workspace admins can open this page.")
        request.membership = membership
        request.workspace = membership.workspace
        return view(request, *args, **kwargs)

    return wrapper


def workspace_member_required(view):
    """Any member of the current workspace may open the view."""
    return _workspace_view(view, admin=False)


def workspace_admin_required(view):
    """Only admins of the current workspace may open the view (members get 403)."""
    return _workspace_view(view, admin=True)


def get_workspace_object_or_404(request, model_or_queryset, **lookup) -> Model:
    """Fetch an object that belongs to the request's workspace, or raise 404.

    `model_or_queryset` must have a `workspace` foreign key.
    """
    queryset = (
        model_or_queryset
        if isinstance(model_or_queryset, QuerySet)
        else model_or_queryset._default_manager.all()
    )
    return get_object_or_404(queryset.filter(workspace=request.workspace), **lookup)
