"""Sync runs can be cancelled (a disconnect stops a running sync), and each connection
remembers the site URL it was made for.

Existing connections get a blank site URL, meaning "not recorded yet": the next successful
sync records it. Not filled in here from the settings: `make run` migrates with the
settings of a real server, before it points the demo at the simulator, so the demo's
connections would be recorded with the real site's address.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0016_remove_connection_oauth_columns'),
    ]

    operations = [
        migrations.AddField(
            model_name='jiraconnection',
            name='site_url',
            field=models.CharField(blank=True, max_length=300, verbose_name='site URL'),
        ),
        migrations.AlterField(
            model_name='syncrun',
            name='status',
            field=models.CharField(choices=[('running', 'Running'), ('succeeded', 'Succeeded'), ('partial', 'Finished with errors'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], default='running', max_length=20),
        ),
    ]
