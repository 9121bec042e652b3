"""Writes to workspaces and memberships, with the rules that keep them consistent."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from pensero.models import Membership, Workspace


def unique_slug_for(name: str) -> str:
    base = slugify(name)[:40] or "workspace"
    slug, n = base, 2
    while Workspace.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def workspace_create(*, user, name: str, slug: str = "") -> Workspace:
    """Create a workspace with `user` as its first admin."""
    workspace = Workspace(name=name.strip(), slug=slug or unique_slug_for(name))
    workspace.full_clean()
    workspace.save()
    Membership.objects.create(user=user, workspace=workspace, role=Membership.Role.ADMIN)
    return workspace


def member_add(*, workspace: Workspace, email: str, role: str) -> Membership:
    user = get_user_model().objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise ValidationError(
            "No account uses this email yet. Ask them to sign up first, then add them here.",
            code="unknown_email",
        )
    if Membership.objects.filter(workspace=workspace, user=user).exists():
        raise ValidationError(f"{user.email} is already a member.", code="already_member")
    membership = Membership(workspace=workspace, user=user, role=role)
    membership.full_clean()
    membership.save()
    return membership


def _admin_count(workspace: Workspace) -> int:
    return Membership.objects.filter(workspace=workspace, role=Membership.Role.ADMIN).count()


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str) -> Membership:
    if role not in Membership.Role.values:
        raise ValidationError("Choose a valid role.", code="invalid_role")
    # Lock the workspace's admin rows so two admins demoting each other at once
    # cannot leave the workspace without an admin.
    list(
        Membership.objects.select_for_update().filter(
            workspace=membership.workspace, role=Membership.Role.ADMIN
        )
    )
    if (
        membership.is_admin
        and role != Membership.Role.ADMIN
        and _admin_count(membership.workspace) <= 1
    ):
        raise ValidationError(
            "A workspace needs at least one admin. Make someone else an admin first.",
            code="last_admin",
        )
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    list(
        Membership.objects.select_for_update().filter(
            workspace=membership.workspace, role=Membership.Role.ADMIN
        )
    )
    if membership.is_admin and _admin_count(membership.workspace) <= 1:
        raise ValidationError(
            "A workspace needs at least one admin. Make someone else an admin first.",
            code="last_admin",
        )
    membership.delete()
