"""Settings → Investment: the categories and their ordered rules (admins only)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from analytics.investment import services
from analytics.investment.forms import CategoriesForm, rule_formset
from analytics.investment.placement import rule_set
from pensero.access import workspace_admin_required


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
