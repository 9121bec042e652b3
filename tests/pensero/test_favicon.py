"""The site's icon: every page links it, and browsers asking for /favicon.ico find it."""

from pathlib import Path

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse


def test_favicon_ico_is_not_a_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("favicon.svg")


def test_the_icon_is_a_small_svg_in_static():
    icon = Path(settings.BASE_DIR, "static", "favicon.svg")
    assert icon.read_text().lstrip().startswith("<svg")
    assert icon.stat().st_size < 2000


def test_pages_link_the_icon(client, alice_client):
    link = f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">'
    assert link in client.get(reverse("account_login")).content.decode()
    assert link in alice_client.get(reverse("dashboard")).content.decode()
