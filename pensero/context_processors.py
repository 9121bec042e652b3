from pensero.access import current_membership, memberships_of


def workspace(request):
    """The current workspace and the user's other workspaces, for the navigation."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    membership = current_membership(request)
    return {
        "current_membership": membership,
        "current_workspace": membership.workspace if membership else None,
        "user_memberships": memberships_of(request.user),
    }
