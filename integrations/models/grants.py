"""Atlassian grants: one consent to the installation's OAuth app and the tokens it gave."""

from django.db import models

from pensero.encryption import EncryptedSecretField
from pensero.models import Workspace


class AtlassianGrant(models.Model):
    """What an admin granted on Atlassian's consent screen (OAuth 2.0 3LO).

    Every site picked from one consent becomes a connection pointing here, because the
    consent has one refresh token and Atlassian rotates it on every refresh: the
    connections must share one copy of it. The tokens are written only by
    integrations/oauth/grants.py, under this row's lock.
    """

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="atlassian_grants"
    )
    access_token = EncryptedSecretField(null=True, blank=True)
    refresh_token = EncryptedSecretField(null=True, blank=True)
    # When the access token expires (an hour after it was issued).
    expires_at = models.DateTimeField(null=True, blank=True)
    scopes = models.CharField(max_length=1000, blank=True)
    granted_by = models.EmailField(blank=True)
    granted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-granted_at"]

    def __str__(self):
        return f"Atlassian grant {self.pk} by {self.granted_by or 'an unknown account'}"

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    def has_scope(self, scope: str) -> bool:
        return scope in self.scope_list
