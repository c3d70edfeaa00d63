"""Issue 18: the vocabulary of name words (`registry.vocabulary`), filled from the registry's search keys.

At 20M workers the backfill reads every search key once (about a minute on PostgreSQL)."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        if schema_editor.connection.vendor == "postgresql":
            cur.execute(
                "INSERT INTO registry_nameword (word) SELECT DISTINCT w FROM registry_worker, "
                "unnest(string_to_array(search_key, ' ')) AS w WHERE w <> '' ON CONFLICT DO NOTHING"
            )
            return
        cur.execute("SELECT search_key FROM registry_worker")
        words = sorted({w for (key,) in cur.fetchall() for w in (key or "").split()})
        cur.executemany("INSERT OR IGNORE INTO registry_nameword (word) VALUES (%s)", [(w,) for w in words])


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0010_nik_collate_c'),
    ]

    operations = [
        migrations.CreateModel(
            name='NameWord',
            fields=[
                ('word', models.CharField(max_length=150, primary_key=True, serialize=False)),
            ],
            options={
                'verbose_name': 'kata nama',
                'verbose_name_plural': 'kata nama',
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
