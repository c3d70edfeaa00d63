"""`Worker.search_key` (spelling-tolerant name key), backfilled; on PostgreSQL a pg_trgm GIN index for ranking."""

from django.db import migrations, models

BATCH = 5000


def backfill(apps, schema_editor):
    from sijaga.registry.names import name_key

    Worker = apps.get_model("registry", "Worker")
    last = 0
    while True:
        rows = list(Worker.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "full_name")[:BATCH])
        if not rows:
            return
        Worker.objects.bulk_update(
            [Worker(pk=pk, search_key=name_key(name)) for pk, name in rows], ["search_key"], batch_size=1000
        )
        last = rows[-1][0]


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS worker_search_key_trgm ON registry_worker USING gin (search_key gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS worker_search_key_trgm")


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_control_characters")]

    operations = [
        migrations.AddField(
            model_name="worker",
            name="search_key",
            field=models.CharField(
                blank=True, default="", editable=False, max_length=200, verbose_name="kunci pencarian nama"
            ),
        ),
        migrations.AddIndex(model_name="worker", index=models.Index(fields=["search_key"], name="worker_search_key")),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(trigram_index, drop_trigram_index),
    ]
