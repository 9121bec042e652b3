from django.shortcuts import render

from pensero.access import workspace_member_required


@workspace_member_required
def dashboard(request):
    return render(request, "analytics/dashboard.html", {})


@workspace_member_required
def reports(request):
    return render(request, "analytics/reports.html", {})
