from django.contrib import admin
from django.urls import include, path

from pensero import views

urlpatterns = [
    path("", views.home, name="home"),
    path("workspaces/new/", views.workspace_create, name="workspace_create"),
    path("workspaces/switch/", views.workspace_switch, name="workspace_switch"),
    path("settings/", views.settings_home, name="settings"),
    path("settings/members/", views.members, name="members"),
    path("settings/members/<int:membership_id>/role/", views.member_role, name="member_role"),
    path("settings/members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("", include("integrations.urls")),
    path("", include("analytics.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
