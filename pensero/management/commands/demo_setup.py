"""Create the demo workspace and its admin on first start; print the credentials once."""

import secrets

from django.core.management.base import BaseCommand

from pensero.models import Membership, User, Workspace

DEMO_ADMIN_EMAIL = "admin@demo.test"
DEMO_WORKSPACE = "Demo"


class Command(BaseCommand):
    help = (
        "Create a demo workspace and admin (only once); prints the admin's password the first time."
    )

    def handle(self, *args, **options):
        if User.objects.filter(email=DEMO_ADMIN_EMAIL).exists():
            self.stdout.write(
                f"Demo admin: {DEMO_ADMIN_EMAIL} (its password was printed on the first start; "
                "reset it with `python manage.py changepassword admin@demo.test`)."
            )
            return
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(email=DEMO_ADMIN_EMAIL, password=password)
        workspace, _ = Workspace.objects.get_or_create(
            slug="demo", defaults={"name": DEMO_WORKSPACE}
        )
        Membership.objects.get_or_create(
            user=user, workspace=workspace, defaults={"role": Membership.Role.ADMIN}
        )
        self.stdout.write(
            self.style.SUCCESS(
                "\n  Demo workspace created. Log in at http://127.0.0.1:8000/ with\n"
                f"    email:    {DEMO_ADMIN_EMAIL}\n"
                f"    password: {password}\n"
                "  (shown only this once)\n"
            )
        )
