from django.db import migrations


def create_schedule(apps, schema_editor):
    from integrations.schedules import ensure_schedules

    ensure_schedules(apps.get_model("django_q", "Schedule"))


def delete_schedule(apps, schema_editor):
    from integrations.schedules import SYNC_ALL_SCHEDULE

    apps.get_model("django_q", "Schedule").objects.filter(name=SYNC_ALL_SCHEDULE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
