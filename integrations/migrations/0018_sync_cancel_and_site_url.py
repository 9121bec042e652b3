"""Sync runs can be cancelled (a disconnect stops a running sync), and each connection
remembers the site URL it was made for.

Existing connections get a blank site URL, meaning "not recorded yet": the next successful
sync records it. Not filled in from the settings here: `make run` migrates with the
settings of a real server, before it points the demo at the simulator, so every
connection would be recorded with the real site's address.

Except in a database that served `make run`'s demo (its admin exists): until now the demo
and a real server (`DEMO=0 make run`) shared db.sqlite3, so its connections were made for
the demo's simulator. They are recorded as such, and a real server refuses them until
they are reconnected, instead of sending the demo's credentials to the real sites.
"""

from django.db import migrations, models

# As demo_setup and devserver made them when this was written.
DEMO_ADMIN_EMAIL = "admin@demo.test"
DEMO_SIMULATOR_URL = "http://127.0.0.1:8765"


def record_the_demos_site_urls(apps, schema_editor):
    User = apps.get_model("pensero", "User")
    JiraConnection = apps.get_model("integrations", "JiraConnection")
    if not User.objects.filter(email=DEMO_ADMIN_EMAIL).exists():
        return
    for connection in JiraConnection.objects.filter(site_url=""):
        if connection.auth_type == "oauth":
            connection.site_url = f"{DEMO_SIMULATOR_URL}/ex/jira/{connection.cloud_id}"
        else:
            connection.site_url = f"{DEMO_SIMULATOR_URL}/s/{connection.subdomain}"
        connection.save(update_fields=["site_url"])


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0017_jira_boards"),
        ("pensero", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="jiraconnection",
            name="site_url",
            field=models.CharField(blank=True, max_length=300, verbose_name="site URL"),
        ),
        migrations.AlterField(
            model_name="syncrun",
            name="status",
            field=models.CharField(
                choices=[
                    ("running", "Running"),
                    ("succeeded", "Succeeded"),
                    ("partial", "Finished with errors"),
                    ("failed", "Failed"),
                    ("cancelled", "Cancelled"),
                ],
                default="running",
                max_length=20,
            ),
        ),
        migrations.RunPython(record_the_demos_site_urls, migrations.RunPython.noop),
    ]
