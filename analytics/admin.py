from django.contrib import admin

from analytics.models import IssueScore, Team, TeamMember


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    raw_id_fields = ["person"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "created_at"]
    list_filter = ["workspace"]
    search_fields = ["name", "workspace__name"]
    list_select_related = ["workspace"]
    inlines = [TeamMemberInline]


@admin.register(IssueScore)
class IssueScoreAdmin(admin.ModelAdmin):
    list_display = ["issue", "score", "version", "completeness", "interactions", "computed_at"]
    list_filter = ["version"]
    search_fields = ["issue__key"]
    raw_id_fields = ["issue"]
    readonly_fields = ["computed_at"]
    list_select_related = ["issue"]
