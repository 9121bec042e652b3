from django.urls import path, re_path

from integrations.webhooks import receiver, views

urlpatterns = [
    # Jira's side: no login, every delivery verified by its signature.
    path("hooks/jira/app/", receiver.app_webhook_delivery, name="jira_webhook_app_delivery"),
    re_path(
        r"^hooks/jira/(?P<token>[A-Za-z0-9_-]{32,64})/$",
        receiver.admin_webhook_delivery,
        name="jira_webhook_delivery",
    ),
    # The Manage page's Real-time updates card.
    path(
        "settings/integrations/jira/<id:connection_id>/webhook/secret/",
        views.show_secret,
        name="jira_webhook_secret",
    ),
    path(
        "settings/integrations/jira/<id:connection_id>/webhook/rotate/",
        views.rotate_secret,
        name="jira_webhook_rotate",
    ),
    path(
        "settings/integrations/jira/<id:connection_id>/webhook/register/",
        views.register,
        name="jira_webhook_register",
    ),
]
