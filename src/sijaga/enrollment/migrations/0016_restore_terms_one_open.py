"""Restore `terms_one_open_per_membership` on PostgreSQL (found by the branch `excl`, 2026-12-03).

Migration 0012 (lean indexes) turned off the index of `MembershipTerms.membership`; Django then dropped every plain
index on exactly `(membership_id)`, this partial unique one included, while its migration state kept it, so
`makemigrations --check` saw nothing. The invariant held anyway (two open periods of one membership always overlap,
and `terms_no_overlap` refuses them), but a declared constraint must exist. SQLite kept it. IF NOT EXISTS: a database
migrated before 0012 ran, or by a Django that did not drop it, already has it."""

from django.db import migrations


def restore(apps, schema_editor):
    schema_editor.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS terms_one_open_per_membership "
        "ON enrollment_membershipterms (membership_id) WHERE valid_to IS NULL"
    )


class Migration(migrations.Migration):
    dependencies = [("enrollment", "0015_membership_lives_elsewhere")]

    operations = [migrations.RunPython(restore, migrations.RunPython.noop)]
