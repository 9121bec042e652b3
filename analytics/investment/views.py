"""The Investment report, its CSV downloads, and Settings → Investment (admins only)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.text import slugify

from analytics.investment import services
from analytics.investment.filters import investment_filters
from analytics.investment.forms import CategoriesForm, rule_formset
from analytics.investment.placement import rule_set
from analytics.investment.report import epic_url_builder, investment_report
from analytics.reports.export import table_csv_response
from integrations.models import JiraConnection
from pensero.access import workspace_admin_required, workspace_member_required


@workspace_admin_required
def investment_settings(request):
    rules = rule_set(request.workspace)
    categories_form = CategoriesForm(
        initial={"categories": "\n".join(rules.categories), "fallback": rules.fallback}
    )
    rules_formset = rule_formset(rules)
    status = 200
    if request.method == "POST" and request.POST.get("form") == "categories":
        categories_form = CategoriesForm(request.POST)
        if categories_form.is_valid():
            try:
                services.investment_categories_update(
                    workspace=request.workspace,
                    categories=categories_form.cleaned_data["categories"],
                    fallback=categories_form.cleaned_data["fallback"],
                )
            except ValidationError as error:
                categories_form.add_error(None, " ".join(error.messages))
            else:
                messages.success(request, "Categories saved. Reports use them now.")
                return redirect("investment_settings")
        status = 400
    elif request.method == "POST" and request.POST.get("form") == "rules":
        rules_formset = rule_formset(rules, data=request.POST)
        if rules_formset.is_valid():
            services.investment_rules_update(
                workspace=request.workspace, rules=rules_formset.rules()
            )
            messages.success(request, "Rules saved. Reports use them now.")
            return redirect("investment_settings")
        status = 400
    return render(
        request,
        "analytics/investment_settings.html",
        {"categories_form": categories_form, "rules_formset": rules_formset, "rules": rules},
        status=status,
    )


@workspace_member_required
def investment(request):
    if not JiraConnection.objects.filter(workspace=request.workspace).exists():
        return render(request, "analytics/investment.html", {"has_connections": False})
    filters = investment_filters(request)
    report = investment_report(filters)
    return render(
        request,
        "analytics/investment.html",
        {
            "has_connections": True,
            "filters": filters,
            "form": filters.form(),
            "report": report,
            "tables": report.tables(epic_url=epic_url_builder()),
            "charts": report.charts(),
            "export_view": "report_investment_export",
        },
    )


@workspace_member_required
def investment_export(request, investment_table):
    filters = investment_filters(request)
    tables = investment_report(filters).tables()
    if investment_table not in tables:
        raise Http404("No such table.")
    period = filters.period
    parts = (request.workspace.slug, "investment", investment_table, period.first, period.last)
    name = "-".join(slugify(str(part)) for part in parts)
    return table_csv_response(tables[investment_table], f"{name}.csv")
