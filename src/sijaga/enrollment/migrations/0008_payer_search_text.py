"""`Payer.search_text` for the payer picker, backfilled; on PostgreSQL a pg_trgm GIN index so a word typed is
found without reading 75,000 rows."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    Payer = apps.get_model("enrollment", "Payer")
    rows = Payer.objects.values_list("pk", "name", "code", "region__name")
    Payer.objects.bulk_update(
        [Payer(pk=pk, search_text=f"{name} {code} {region}".lower()[:400]) for pk, name, code, region in rows],
        ["search_text"],
        batch_size=1000,
    )


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS payer_search_text_trgm ON enrollment_payer USING gin (search_text gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS payer_search_text_trgm")


class Migration(migrations.Migration):
    dependencies = [("enrollment", "0007_payer_name_index"), ("regions", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="payer",
            name="search_text",
            field=models.CharField(blank=True, default="", editable=False, max_length=400),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(trigram_index, drop_trigram_index),
    ]
