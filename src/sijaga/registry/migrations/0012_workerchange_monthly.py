"""PostgreSQL only: `registry_workerchange` becomes range-partitioned by month on `at` (`sijaga.registry.partitions`,
`sijaga.core.partitions.MonthlyTable.convert`): a partition for this month, the next three and every month that has
rows, a DEFAULT one, primary key `(id, at)`; every row, id, index and constraint name kept. Nothing references the
table. The conversion copies the table under an exclusive lock (minutes per hundred million rows): run it in a
maintenance window on a big database.

Django's model state does not change; SQLite keeps the plain table. Reversing turns it back into a plain table."""

from django.db import migrations
from django.utils import timezone


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from sijaga.registry.partitions import CHANGES

    with schema_editor.connection.cursor() as cur:
        CHANGES.convert_now(cur, today=timezone.now().date())


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from sijaga.registry.partitions import CHANGES

    with schema_editor.connection.cursor() as cur:
        CHANGES.unconvert(cur)


class Migration(migrations.Migration):
    dependencies = [("registry", "0011_name_words")]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
