from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from analytics.models import Team
from analytics.teams import services
from analytics.teams.forms import TeamMembersAddForm, TeamNameForm
from integrations.models import Person
from pensero.access import get_workspace_object_or_404, workspace_admin_required


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


@workspace_admin_required
def teams(request):
    form = TeamNameForm(request.POST or None, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(workspace=request.workspace, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error("name", _errors(error))
        else:
            messages.success(request, f"Team “{team.name}” created. Now add its people.")
            return redirect("team_edit", team_id=team.pk)
    team_list = Team.objects.filter(workspace=request.workspace).annotate(
        member_count=Count("memberships")
    )
    has_people = Person.objects.filter(workspace=request.workspace).exists()
    return render(
        request,
        "analytics/teams/teams.html",
        {"form": form, "teams": team_list, "has_people": has_people},
    )


def _edit_page(request, team, *, rename_form=None, add_form=None, status=200):
    return render(
        request,
        "analytics/teams/team_edit.html",
        {
            "team": team,
            "rename_form": rename_form
            or TeamNameForm(workspace=request.workspace, team=team, initial={"name": team.name}),
            "add_form": add_form or TeamMembersAddForm(team=team),
            "members": team.members.order_by("display_name", "email", "pk"),
        },
        status=status,
    )


@workspace_admin_required
def team_edit(request, team_id):
    team = get_workspace_object_or_404(request, Team, pk=team_id)
    if request.method != "POST":
        return _edit_page(request, team)
    form = TeamNameForm(request.POST, workspace=request.workspace, team=team)
    if form.is_valid():
        try:
            services.team_rename(team=team, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error("name", _errors(error))
        else:
            messages.success(request, f"Team renamed to “{team.name}”.")
            return redirect("team_edit", team_id=team.pk)
    team.refresh_from_db(fields=["name"])
    return _edit_page(request, team, rename_form=form)


@workspace_admin_required
@require_POST
def team_members_add(request, team_id):
    team = get_workspace_object_or_404(request, Team, pk=team_id)
    form = TeamMembersAddForm(request.POST, team=team)
    if not form.is_valid():
        return _edit_page(request, team, add_form=form)
    added = services.team_members_add(team=team, people=form.cleaned_data["people"])
    messages.success(request, f"Added {added} {'person' if added == 1 else 'people'} to {team}.")
    return redirect("team_edit", team_id=team.pk)


@workspace_admin_required
@require_POST
def team_member_remove(request, team_id, person_id):
    team = get_workspace_object_or_404(request, Team, pk=team_id)
    person = get_workspace_object_or_404(request, Person, pk=person_id)
    if services.team_member_remove(team=team, person=person):
        messages.success(request, f"{person} is no longer in {team}.")
    return redirect("team_edit", team_id=team.pk)


@workspace_admin_required
def team_delete(request, team_id):
    team = get_workspace_object_or_404(request, Team, pk=team_id)
    if request.method == "POST":
        services.team_delete(team=team)
        messages.success(request, f"Team “{team.name}” deleted. Its people were not changed.")
        return redirect("teams")
    return render(request, "analytics/teams/team_delete.html", {"team": team})
