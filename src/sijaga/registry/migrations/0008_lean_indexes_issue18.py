"""Issue 18, lean indexes: one `varchar_pattern_ops` index each for the NIK (unique) and the domicile instead of
Django's plain + `_like` pair (on PostgreSQL the pattern index serves `=` too), and no B-tree on `search_key` (the
name search uses its trigram GIN index). One random-key B-tree less per imported worker (bench/README.md).

On a large registry this rebuilds two indexes under an ACCESS EXCLUSIVE lock: run it in a maintenance window."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('regions', '0001_initial'),
        ('registry', '0007_merge_20261202_1737'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='worker',
            name='worker_search_key',
        ),
        migrations.AlterField(
            model_name='worker',
            name='domicile',
            field=models.ForeignKey(db_index=False, limit_choices_to={'level': 4}, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region', verbose_name='domisili (desa/kelurahan)'),
        ),
        migrations.AlterField(
            model_name='worker',
            name='nik',
            field=models.CharField(max_length=16, verbose_name='NIK'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=models.Index(fields=['domicile'], name='worker_domicile', opclasses=['varchar_pattern_ops']),
        ),
        migrations.AddConstraint(
            model_name='worker',
            constraint=models.UniqueConstraint(fields=('nik',), name='worker_nik_unique', opclasses=['varchar_pattern_ops']),
        ),
    ]
