"""What an admin pastes into Jira's System → WebHooks, and registering or re-keying it."""

import json

from django.core.management.base import BaseCommand, CommandError

from integrations.models import JiraConnection
from integrations.webhooks import setup
from integrations.webhooks.events import ADMIN_EVENTS, EVENTS


class Command(BaseCommand):
    help = (
        "Print one connection's webhook as JSON {url, secret, jql, events} (what a Jira admin "
        "enters in System → WebHooks). ID is the number in the connection's Manage page URL."
    )

    def add_arguments(self, parser):
        parser.add_argument("--connection", type=int, metavar="ID", required=True)
        parser.add_argument(
            "--register",
            action="store_true",
            help="Register the webhook in Jira (the API-token account must be a Jira admin; "
            "an OAuth connection registers its dynamic webhooks).",
        )
        parser.add_argument(
            "--rotate-secret",
            action="store_true",
            help="Replace the secret (a webhook the app registered in Jira gets the new one).",
        )

    def handle(self, *args, connection, register=False, rotate_secret=False, **options):
        found = JiraConnection.objects.filter(pk=connection).first()
        if found is None:
            raise CommandError(f"No Jira connection with id {connection}.")
        if found.is_disconnected:
            raise CommandError(f"{found} is disconnected.")
        if not setup.public_url_configured():
            raise CommandError(setup.NO_PUBLIC_URL)
        try:
            if rotate_secret:
                if found.is_oauth:
                    raise CommandError("OAuth connections' webhooks are signed by Atlassian.")
                setup.rotate_secret(found)
                self.stderr.write("Secret replaced.")
            if register:
                if found.is_oauth:
                    setup.register_dynamic_webhooks(found)
                else:
                    setup.register_admin_webhook(found)
                self.stderr.write("Registered in Jira.")
        except setup.WebhookSetupFailed as failure:
            raise CommandError(failure.message) from None
        webhook = setup.webhook_for(found)
        if found.is_oauth:
            details = {
                "url": setup.app_receiver_url(),
                "secret": None,  # deliveries carry a JWT signed with the app's client secret
                "jql": webhook.registered_jql,
                "events": EVENTS,
            }
        else:
            details = {
                "url": setup.receiver_url(webhook),
                "secret": webhook.secret.reveal(),
                "jql": setup.jql_filter(found),
                "events": ADMIN_EVENTS,
            }
        self.stdout.write(json.dumps(details))
