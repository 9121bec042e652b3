from django.apps import AppConfig


class PenseroConfig(AppConfig):
    name = "pensero"
    verbose_name = "Accounts and workspaces"

    def ready(self):
        from pensero import checks  # noqa: F401  (registers the system checks)
