"""Terms: the (membership, valid_from) index becomes unique. The periods of one membership never overlap (0008's
exclusion constraint), so no existing rows conflict; unique makes `membership_id` a key column, which the bill run's
set-based foreign-key check relies on (`enrollment.selectors.terms_in_force_sql`, docs/contributions.md)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("enrollment", "0011_construction_projects")]

    operations = [
        migrations.AddConstraint(
            model_name="membershipterms",
            constraint=models.UniqueConstraint(fields=("membership", "valid_from"), name="terms_membership_from_unique"),
        ),
        migrations.RemoveIndex(model_name="membershipterms", name="terms_membership_from"),
    ]
