from django.urls import include, path

from integrations import views
from integrations.oauth import views as oauth_views

urlpatterns = [
    path("settings/integrations/", views.integrations, name="integrations"),
    path(
        "settings/integrations/jira/connect/token/", views.connect_token, name="jira_connect_token"
    ),
    path(
        "settings/integrations/jira/oauth/start/", oauth_views.oauth_start, name="jira_oauth_start"
    ),
    path(
        "settings/integrations/jira/oauth/callback/",
        oauth_views.oauth_callback,
        name="jira_oauth_callback",
    ),
    path("settings/integrations/jira/oauth/sites/", oauth_views.oauth_pick, name="jira_oauth_pick"),
    path(
        "settings/integrations/jira/<id:connection_id>/reconnect/",
        oauth_views.oauth_reconnect,
        name="jira_oauth_reconnect",
    ),
    path("settings/integrations/jira/<id:connection_id>/manage/", views.manage, name="jira_manage"),
    path(
        "settings/integrations/jira/<id:connection_id>/story-points/",
        views.story_points_field,
        name="jira_story_points",
    ),
    path("settings/delivery/", views.delivery_settings, name="delivery_settings"),
    path(
        "settings/integrations/jira/<id:connection_id>/sync/", views.sync_now, name="jira_sync_now"
    ),
    path(
        "settings/integrations/jira/<id:connection_id>/progress/",
        views.sync_progress,
        name="jira_sync_progress",
    ),
    path(
        "settings/integrations/jira/<id:connection_id>/disconnect/",
        views.disconnect,
        name="jira_disconnect",
    ),
    path("", include("integrations.webhooks.urls")),
]
