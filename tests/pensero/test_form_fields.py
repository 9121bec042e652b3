"""Form fields (templates/includes/field.html): help texts are text unless marked as markup."""

from django import forms
from django.template.loader import render_to_string
from django.urls import reverse


class _Form(forms.Form):
    name = forms.CharField(help_text="Names like <b>Ops & Infra</b> are fine.")


def test_a_help_text_is_shown_as_text():
    html = render_to_string("includes/field.html", {"field": _Form()["name"]})
    assert "Names like &lt;b&gt;Ops &amp; Infra&lt;/b&gt; are fine." in html
    assert "<b>" not in html


def test_help_texts_written_as_markup_keep_it(alice_client):
    page = alice_client.get(reverse("jira_connect_token")).content.decode()
    assert "e.g. <code>acme</code> for acme.atlassian.net" in page
    assert "<em>Create API token</em>" in page
    assert "e.g. <code>ENG,KAN,PLAT</code>" in page
