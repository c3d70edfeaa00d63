"""PostgreSQL only: `accounts_accesslog` becomes range-partitioned by month (`sijaga.accounts.partitions`).

Django's model state does not change (the model keeps `id` as its primary key); SQLite keeps the plain table.
Reversing turns it back into a plain table with every row."""

from django.db import migrations
from django.utils import timezone


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from sijaga.accounts.partitions import convert

    with schema_editor.connection.cursor() as cur:
        convert(cur, today=timezone.localdate())


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from sijaga.accounts.partitions import TABLE, is_partitioned

    with schema_editor.connection.cursor() as cur:
        if not is_partitioned(cur):
            return
        cur.execute(f"CREATE TABLE {TABLE}_plain (LIKE {TABLE} INCLUDING ALL)")
        cur.execute(f"INSERT INTO {TABLE}_plain SELECT * FROM {TABLE}")
        cur.execute(f"DROP TABLE {TABLE} CASCADE")
        cur.execute(f"ALTER TABLE {TABLE}_plain RENAME TO {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
