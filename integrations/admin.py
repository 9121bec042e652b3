from django.contrib import admin, messages

from integrations.delivery import apply_delivery_rules
from integrations.models import (
    AtlassianGrant,
    Comment,
    DeliveryRules,
    Issue,
    IssueDocument,
    JiraConnection,
    JiraProject,
    JiraUser,
    JiraWebhook,
    Person,
    PullRequest,
    Sprint,
    SprintMembership,
    StatusTransition,
    SyncRun,
    WebhookEvent,
)
from integrations.oauth.grants import forget_unused_grants
from integrations.services import SyncRequest, sync_request
from integrations.sync.claims import fail_stale_runs


@admin.register(JiraConnection)
class JiraConnectionAdmin(admin.ModelAdmin):
    list_display = [
        "site_host",
        "workspace",
        "auth_type",
        "project_keys",
        "status",
        "last_synced_at",
    ]
    list_filter = ["auth_type", "status", "workspace"]
    search_fields = ["subdomain", "email", "workspace__name", "project_keys"]
    list_select_related = ["workspace"]
    # The secrets themselves are never form fields here: only the masked hint shows.
    exclude = ["api_token"]
    readonly_fields = [
        "token_hint",
        "api_token_set_at",
        "cloud_id",
        # Set only when credentials are checked with it (clients.checked_site_url).
        "site_url",
        "grant",
        "jira_account_id",
        "jira_time_zone",
        "estimation_fields",
        "development_field",
        "resolutions",
        "facts_version",
        "sync_watermark",
        "last_synced_at",
        "last_census_at",
        "last_error_at",
        "created_at",
        "updated_at",
    ]
    actions = ["sync_now"]

    @admin.display(description="API token")
    def token_hint(self, obj):
        if not obj.api_token_set_at:
            return "Not set"
        return f"Set (…{obj.api_token_hint})" if obj.api_token_hint else "Set"

    def save_model(self, request, obj, form, change):
        if change:
            # Only what the form changed: a full save would write back the grant loaded
            # with the page, and a Reconnect may have replaced it since.
            obj.save(update_fields=[*form.changed_data, "updated_at"])
        else:
            super().save_model(request, obj, form, change)

    # A grant no connection uses any more goes with its last connection (tokens included).
    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        forget_unused_grants([obj.grant_id])

    def delete_queryset(self, request, queryset):
        grant_ids = list(queryset.values_list("grant_id", flat=True))
        super().delete_queryset(request, queryset)
        forget_unused_grants(grant_ids)

    @admin.action(description="Sync now")
    def sync_now(self, request, queryset):
        queued = skipped = 0
        for connection in queryset:
            outcome = sync_request(connection=connection, trigger=SyncRun.Trigger.ADMIN)
            if outcome is SyncRequest.QUEUED:
                queued += 1
            else:
                skipped += 1
        self.message_user(
            request,
            f"Queued {queued} sync(s); skipped {skipped} (running or not active).",
            messages.INFO,
        )


@admin.register(AtlassianGrant)
class AtlassianGrantAdmin(admin.ModelAdmin):
    """Read-only, without the tokens: who granted what, and until when the access token lasts."""

    list_display = ["__str__", "workspace", "granted_by", "granted_at", "expires_at"]
    list_select_related = ["workspace"]
    search_fields = ["granted_by", "workspace__name"]
    exclude = ["access_token", "refresh_token"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = [
        "connection",
        "kind",
        "trigger",
        "status",
        "started_at",
        "finished_at",
        "issues_seen",
        "issues_created",
        "issues_updated",
        "requests_made",
        "api_points",
    ]
    list_filter = ["status", "kind", "trigger"]
    search_fields = ["connection__subdomain", "error"]
    list_select_related = ["connection"]
    date_hierarchy = "started_at"

    def changelist_view(self, request, extra_context=None):
        # A run whose worker died is listed as failed, not as running until the next sync.
        fail_stale_runs(JiraConnection.objects.all())
        return super().changelist_view(request, extra_context)


@admin.register(DeliveryRules)
class DeliveryRulesAdmin(admin.ModelAdmin):
    """A workspace's not-delivered resolutions (admins edit them in Settings → Delivery)."""

    list_display = ["workspace", "updated_at"]
    raw_id_fields = ["workspace"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        apply_delivery_rules(obj.workspace)  # synced issues follow the new list at once


@admin.register(JiraProject)
class JiraProjectAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "connection", "accessible"]
    list_filter = ["accessible"]
    search_fields = ["key", "name", "connection__subdomain"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["display_name", "email", "workspace"]
    list_filter = ["workspace"]
    search_fields = ["display_name", "email"]


@admin.register(JiraUser)
class JiraUserAdmin(admin.ModelAdmin):
    list_display = ["display_name", "email", "account_id", "connection", "active", "account_type"]
    list_filter = ["active", "account_type"]
    search_fields = ["display_name", "email", "account_id"]
    raw_id_fields = ["person", "connection"]


class CommentInline(admin.TabularInline):
    model = Comment
    extra = 0
    fields = ["jira_id", "author", "created_at"]
    readonly_fields = fields
    raw_id_fields = ["author"]


class TransitionInline(admin.TabularInline):
    model = StatusTransition
    extra = 0
    fields = ["at", "from_status", "to_status", "from_category", "to_category"]
    readonly_fields = fields


class PullRequestInline(admin.TabularInline):
    model = PullRequest
    extra = 0
    fields = ["url", "state", "source"]
    readonly_fields = fields


class DocumentInline(admin.TabularInline):
    model = IssueDocument
    extra = 0
    fields = ["url", "title", "kind", "source"]
    readonly_fields = fields


class SprintMembershipInline(admin.TabularInline):
    model = SprintMembership
    extra = 0
    fields = ["sprint", "issue", "joined_at", "left_at"]
    readonly_fields = fields


@admin.register(Sprint)
class SprintAdmin(admin.ModelAdmin):
    list_display = ["name", "state", "board_id", "start_at", "completed_at", "connection"]
    list_filter = ["state", "workspace"]
    search_fields = ["name", "jira_id", "connection__subdomain"]
    list_select_related = ["connection"]
    raw_id_fields = ["connection", "workspace"]
    inlines = [SprintMembershipInline]


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = [
        "key",
        "summary",
        "status",
        "status_category",
        "issue_type",
        "resolution",
        "delivered",
        "connection",
        "updated_at",
    ]
    list_filter = ["status_category", "delivered", "issue_type", "workspace"]
    search_fields = ["key", "summary", "jira_id"]
    list_select_related = ["connection"]
    raw_id_fields = ["creator", "reporter", "assignee", "completed_by", "connection", "workspace"]
    inlines = [
        TransitionInline,
        CommentInline,
        PullRequestInline,
        DocumentInline,
        SprintMembershipInline,
    ]
    show_full_result_count = False


@admin.register(JiraWebhook)
class JiraWebhookAdmin(admin.ModelAdmin):
    """Read-only: the secret is never shown here (the Manage page reveals it on request)."""

    list_display = ["connection", "admin_webhook_id", "expires_at", "last_event_at"]
    list_select_related = ["connection"]
    exclude = ["secret", "previous_secret", "url_token"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["event", "issue_jira_ids", "connection", "received_at", "processed_at"]
    list_filter = ["event"]
    list_select_related = ["connection"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
