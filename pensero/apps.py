from django.apps import AppConfig


class PenseroConfig(AppConfig):
    name = "pensero"
    verbose_name = "Accounts and workspaces"
