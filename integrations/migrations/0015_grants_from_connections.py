"""Move the OAuth tokens from the connections to their grants.

Forward: one AtlassianGrant per consent, i.e. per distinct `oauth_grant_id` (the
connections made from one consent shared it); an OAuth connection without one (it was
disconnected, or predates grant ids) gets a grant of its own, which keeps who granted
access and when for its Manage page. The encrypted columns are copied as they are
stored: the ciphertext moves, nothing is decrypted, so this runs whatever
FIELD_ENCRYPTION_KEYS holds. Backward: each connection gets its grant's values again,
and the connections of one grant one new grant id.
"""

import uuid

from django.db import migrations
from django.db.models import Q

MOVED_FIELDS = {  # grant field: connection field
    "access_token": "oauth_access_token",
    "refresh_token": "oauth_refresh_token",
    "expires_at": "oauth_expires_at",
    "scopes": "oauth_scopes",
    "granted_by": "oauth_granted_by",
    "granted_at": "oauth_granted_at",
}


def grants_from_connections(apps, schema_editor):
    Connection = apps.get_model("integrations", "JiraConnection")
    Grant = apps.get_model("integrations", "AtlassianGrant")
    with_oauth = (
        Q(auth_type="oauth")
        | ~Q(oauth_grant_id="")
        | Q(oauth_refresh_token__isnull=False)
        | ~Q(oauth_scopes="")
        | ~Q(oauth_granted_by="")
        | Q(oauth_granted_at__isnull=False)
    )
    grants = {}
    # Newest first: the connections of one consent hold the same tokens (they were always
    # written together), and the most recently saved one has the freshest details.
    for row in Connection.objects.filter(with_oauth).order_by("-updated_at", "-pk"):
        consent = row.oauth_grant_id or f"connection {row.pk}"
        if consent not in grants:
            # The values read back are Secrets holding the stored ciphertext, and a Secret
            # is saved as that same ciphertext.
            grants[consent] = Grant.objects.create(
                workspace_id=row.workspace_id,
                **{to: getattr(row, source) for to, source in MOVED_FIELDS.items()},
            )
        Connection.objects.filter(pk=row.pk).update(grant=grants[consent])


def connections_from_grants(apps, schema_editor):
    Connection = apps.get_model("integrations", "JiraConnection")
    Grant = apps.get_model("integrations", "AtlassianGrant")
    for grant in Grant.objects.all():
        Connection.objects.filter(grant=grant).update(
            oauth_grant_id=uuid.uuid4().hex,
            **{source: getattr(grant, to) for to, source in MOVED_FIELDS.items()},
        )
    Connection.objects.update(grant=None)
    Grant.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("integrations", "0014_atlassian_grant")]

    operations = [migrations.RunPython(grants_from_connections, connections_from_grants)]
