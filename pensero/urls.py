from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, register_converter

from pensero import views
from pensero.converters import IdConverter

# Registered before the apps' URL modules are included: they use <id:...> too.
register_converter(IdConverter, "id")

# Staff sign in through the app's login page, so the admin gets the same
# rate limits (and password reset) as everyone else.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Pensero administration"
admin.site.site_title = "Pensero admin"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("workspaces/new/", views.workspace_create, name="workspace_create"),
    path("workspaces/switch/", views.workspace_switch, name="workspace_switch"),
    path("settings/", views.settings_home, name="settings"),
    path("settings/members/", views.members, name="members"),
    path("settings/members/<id:membership_id>/role/", views.member_role, name="member_role"),
    path("settings/members/<id:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("", include("integrations.urls")),
    path("", include("analytics.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
