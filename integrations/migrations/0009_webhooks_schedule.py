from django.db import migrations


def create_schedule(apps, schema_editor):
    from integrations.schedules import ensure_schedules

    ensure_schedules(apps.get_model("django_q", "Schedule"))


def delete_schedule(apps, schema_editor):
    from integrations.schedules import WEBHOOKS_SCHEDULE

    apps.get_model("django_q", "Schedule").objects.filter(name=WEBHOOKS_SCHEDULE).delete()


class Migration(migrations.Migration):
    dependencies = [("integrations", "0008_jira_webhooks")]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
