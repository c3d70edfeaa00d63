"""Issue 18, lean indexes: the always-NULL-on-import `kpj` and `project` are indexed only where set, and the terms' own
membership index goes (`terms_membership_from` starts with the membership). Fewer index entries per imported row."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('enrollment', '0011_construction_projects'),
        ('registry', '0007_merge_20261202_1737'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='membership',
            name='membership_kpj_unique',
        ),
        migrations.AlterField(
            model_name='membership',
            name='project',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='memberships', to='enrollment.constructionproject', verbose_name='proyek jasa konstruksi'),
        ),
        migrations.AlterField(
            model_name='membershipterms',
            name='membership',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='terms', to='enrollment.membership'),
        ),
        migrations.AddIndex(
            model_name='membership',
            index=models.Index(condition=models.Q(('project__isnull', False)), fields=['project'], name='membership_project'),
        ),
        migrations.AddConstraint(
            model_name='membership',
            constraint=models.UniqueConstraint(condition=models.Q(('kpj__isnull', False)), fields=('kpj',), name='membership_kpj_unique'),
        ),
    ]
