from django import forms

from analytics.flow.stages import STAGES


class StatusStageForm(forms.Form):
    """One status of one project: which it is (hidden, as the page listed it) and its stage."""

    connection = forms.IntegerField(widget=forms.HiddenInput)
    project = forms.CharField(max_length=32, widget=forms.HiddenInput)
    status = forms.CharField(max_length=255, strip=False, widget=forms.HiddenInput)
    stage = forms.ChoiceField(label="Stage", choices=STAGES)

    def key(self) -> tuple[int, str, str]:
        data = self.cleaned_data
        return (data["connection"], data["project"], data["status"])


StatusStageFormSet = forms.formset_factory(StatusStageForm, extra=0)


def status_stage_formset(rows, data=None) -> forms.BaseFormSet:
    initial = [
        {
            "connection": r.connection_id,
            "project": r.project_key,
            "status": r.status,
            "stage": r.stage,
        }
        for r in rows
    ]
    formset = StatusStageFormSet(data, initial=initial, prefix="stages")
    # Each form shows its row (site, project, category, default) beside the stage choice.
    for form, row in zip(formset.forms, rows, strict=False):
        form.row = row
    return formset
