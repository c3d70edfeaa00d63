"""Issue 18: `Membership.lives_elsewhere` (the worker lives outside the payer's region) and its partial index.

The column is added with a database default (no table rewrite on PostgreSQL); one UPDATE then marks the existing
memberships whose worker lives elsewhere, before the index is built. At 20M memberships that UPDATE joins every
membership to its worker once (minutes, in the deploy's maintenance window, like the lean-index migrations)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('enrollment', '0014_merge_20261203_0431'),
        ('registry', '0008_lean_indexes_issue18'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='membership',
            name='lives_elsewhere',
            field=models.BooleanField(db_default=False, default=False, editable=False, verbose_name='berdomisili di luar wilayah pembayar'),
        ),
        migrations.RunSQL(
            "UPDATE enrollment_membership SET lives_elsewhere = TRUE WHERE id IN ("
            "SELECT m.id FROM enrollment_membership m JOIN registry_worker w ON w.id = m.worker_id "
            "JOIN enrollment_payer p ON p.id = m.payer_id "
            "WHERE NOT (w.domicile_id = p.region_id OR substr(w.domicile_id, 1, length(p.region_id) + 1) = p.region_id || '.'))",
            migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name='membership',
            index=models.Index(condition=models.Q(('lives_elsewhere', True), ('status__in', ('registered', 'active', 'inactive'))), fields=['payer', 'worker'], name='membership_open_elsewhere'),
        ),
    ]
