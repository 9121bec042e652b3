"""Settings → Stages: the stage of each project's statuses (admins only)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from analytics.flow.forms import status_stage_formset
from analytics.flow.mapping import status_rows, status_stages_update
from analytics.flow.stages import STAGES
from pensero.access import workspace_admin_required


@workspace_admin_required
def stage_settings(request):
    rows = status_rows(request.workspace)
    formset = status_stage_formset(rows)
    status = 200
    if request.method == "POST":
        formset = status_stage_formset(rows, data=request.POST)
        if formset.is_valid():
            stages = {form.key(): form.cleaned_data["stage"] for form in formset.forms}
            try:
                changed = status_stages_update(workspace=request.workspace, stages=stages)
            except ValidationError as error:
                formset._non_form_errors = formset.error_class(error.messages)
            else:
                if changed:
                    messages.success(request, "Stages saved. Reports use them now.")
                else:
                    messages.info(request, "Nothing changed.")
                return redirect("stage_settings")
        status = 400
    return render(
        request,
        "analytics/stage_settings.html",
        {"formset": formset, "stages": STAGES},
        status=status,
    )
