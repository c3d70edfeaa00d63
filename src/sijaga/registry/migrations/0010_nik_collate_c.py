"""Issue 18: the NIK column in the "C" collation on PostgreSQL, with a plain unique B-tree instead of the
`varchar_pattern_ops` one. NIKs are digits, so nothing compares differently; but now the one index also supplies
the *order* by NIK (a pattern-ops index only serves `~<~`, which Django cannot order by), so a search by NIK digits
walks the index and stops after a page instead of sorting a district (37,037 workers at 20M, bench/README.md).
`=` and `LIKE 'digits%'` use it as before (LIKE on a "C" column needs no pattern operator class). Comparisons with
text of the default collation (the import's stage tables) take the column's collation.

Rebuilds the NIK index under an ACCESS EXCLUSIVE lock (no table rewrite): a maintenance window at 20M workers.
SQLite compares bytes anyway: there only the constraint is re-created."""

from django.db import migrations, models

OLD = models.UniqueConstraint(fields=["nik"], name="worker_nik_unique", opclasses=["varchar_pattern_ops"])
NEW = models.UniqueConstraint(fields=["nik"], name="worker_nik_unique")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        model = apps.get_model("registry", "Worker")
        schema_editor.remove_constraint(model, OLD)
        schema_editor.add_constraint(model, NEW)
        return
    schema_editor.execute("DROP INDEX IF EXISTS worker_nik_unique")
    schema_editor.execute('ALTER TABLE registry_worker ALTER COLUMN nik TYPE varchar(16) COLLATE "C"')
    schema_editor.execute("ALTER TABLE registry_worker ADD CONSTRAINT worker_nik_unique UNIQUE (nik)")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        model = apps.get_model("registry", "Worker")
        schema_editor.remove_constraint(model, NEW)
        schema_editor.add_constraint(model, OLD)
        return
    schema_editor.execute("ALTER TABLE registry_worker DROP CONSTRAINT IF EXISTS worker_nik_unique")
    schema_editor.execute('ALTER TABLE registry_worker ALTER COLUMN nik TYPE varchar(16) COLLATE "default"')
    schema_editor.execute(
        "CREATE UNIQUE INDEX worker_nik_unique ON registry_worker (nik varchar_pattern_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [("registry", "0009_worker_search_words")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name="worker", name="worker_nik_unique"),
                migrations.AddConstraint(model_name="worker", constraint=NEW),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        )
    ]
