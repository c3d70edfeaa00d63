"""Bill lines range-partitioned by month on PostgreSQL (`contributions.partitions`), and one unique key fewer.

`billline_one_regular_per_month` (membership, month) WHERE revision = 0 said nothing `billline_revision_unique`
(membership, month, revision) and `billline_kind_matches_revision` (regular ⇔ revision 0) do not already say; it cost
a fourth index on every inserted line. Then, on PostgreSQL only, the table becomes partitioned (primary key (id,
month), a partition per month with rows, DEFAULT); Django's model state does not change. Reversing turns it back
into a plain table with every row."""

from django.db import migrations


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from sijaga.contributions.partitions import LINES

    with schema_editor.connection.cursor() as cur:
        LINES.convert(cur, months=[])


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from sijaga.contributions.partitions import LINES

    with schema_editor.connection.cursor() as cur:
        LINES.unconvert(cur)


class Migration(migrations.Migration):
    dependencies = [("contributions", "0005_project_contributions")]

    operations = [
        migrations.RemoveConstraint(model_name="billline", name="billline_one_regular_per_month"),
        migrations.RunPython(partition, unpartition, elidable=False),
    ]
