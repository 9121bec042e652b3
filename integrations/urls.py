from django.urls import path

from integrations import views

urlpatterns = [
    path("settings/integrations/", views.integrations, name="integrations"),
    path(
        "settings/integrations/jira/connect/token/", views.connect_token, name="jira_connect_token"
    ),
    path(
        "settings/integrations/jira/<int:connection_id>/manage/", views.manage, name="jira_manage"
    ),
    path(
        "settings/integrations/jira/<int:connection_id>/sync/", views.sync_now, name="jira_sync_now"
    ),
    path(
        "settings/integrations/jira/<int:connection_id>/progress/",
        views.sync_progress,
        name="jira_sync_progress",
    ),
    path(
        "settings/integrations/jira/<int:connection_id>/disconnect/",
        views.disconnect,
        name="jira_disconnect",
    ),
]
