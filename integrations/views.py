from django.shortcuts import render

from pensero.access import workspace_admin_required


@workspace_admin_required
def integrations(request):
    return render(request, "integrations/integrations.html", {})
