from django.urls import path

from integrations import views

urlpatterns = [
    path("settings/integrations/", views.integrations, name="integrations"),
]
