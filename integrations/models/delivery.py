"""What a workspace counts as delivered: the resolutions that close work without delivering it."""

from django.db import models

from integrations.jira.workflow import DEFAULT_NOT_DELIVERED_RESOLUTIONS
from pensero.models import Workspace


def default_not_delivered() -> list[str]:
    return list(DEFAULT_NOT_DELIVERED_RESOLUTIONS)


class DeliveryRules(models.Model):
    """One row per workspace that changed the defaults; without one, the defaults apply."""

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, related_name="delivery_rules"
    )
    # Resolution names (any site, any language); compared without case.
    not_delivered_resolutions = models.JSONField(default=default_not_delivered, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "delivery rules"

    def __str__(self):
        return f"Delivery rules of {self.workspace}"
