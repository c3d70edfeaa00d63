"""Issue 18: the name search by words. On PostgreSQL a GIN index on the words of `search_key`
(`to_tsvector('simple', search_key)`, the expression `registry.filters.name_words_match` filters on) replaces the
pg_trgm index: a few entries per name instead of one per trigram, so an import writes fewer index entries and a
search reads one posting list per word. Built CONCURRENTLY-free like the other index migrations (a maintenance window
at 20M workers: about a minute)."""

from django.db import migrations


def words_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS worker_search_words ON registry_worker "
        "USING gin (to_tsvector('simple'::regconfig, search_key))"
    )
    schema_editor.execute("DROP INDEX IF EXISTS worker_search_key_trgm")


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS worker_search_key_trgm ON registry_worker USING gin (search_key gin_trgm_ops)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS worker_search_words")


class Migration(migrations.Migration):
    dependencies = [("registry", "0008_lean_indexes_issue18")]

    operations = [migrations.RunPython(words_index, trigram_index)]
