"""Terms through time: no overlapping periods of one membership on PostgreSQL (btree_gist exclusion constraint; on
SQLite `enrollment.terms.check_no_overlap` checks it), and the first terms of every existing membership from its
current fields, valid from its start date (to its end date when ended)."""

from django.db import migrations

EXCLUSION = (
    "ALTER TABLE enrollment_membershipterms ADD CONSTRAINT terms_no_overlap EXCLUDE USING gist "
    "(membership_id WITH =, daterange(valid_from, valid_to, '[]') WITH &&)"
)


def add_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(EXCLUSION)


def drop_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE enrollment_membershipterms DROP CONSTRAINT IF EXISTS terms_no_overlap")


FIRST_TERMS = """
INSERT INTO enrollment_membershipterms (membership_id, valid_from, valid_to, segment, jkk, jkm, jht, jp, jkp, wage,
    jkk_risk_class, labour_intensive, worker_share_paid_by, created_at)
SELECT m.id, m.start_date, m.end_date, m.segment, m.jkk, m.jkm, m.jht, m.jp, m.jkp, m.wage, p.jkk_risk_class, %s,
    CASE WHEN p.kind = 'mandiri' THEN 'worker' ELSE 'payer' END, m.created_at
FROM enrollment_membership m JOIN enrollment_payer p ON p.id = m.payer_id
WHERE NOT EXISTS (SELECT 1 FROM enrollment_membershipterms t WHERE t.membership_id = m.id)
"""


def first_terms(apps, schema_editor):
    schema_editor.execute(FIRST_TERMS, [False])


def no_terms(apps, schema_editor):
    schema_editor.execute("DELETE FROM enrollment_membershipterms")


class Migration(migrations.Migration):
    dependencies = [("enrollment", "0007_membership_terms")]

    operations = [
        migrations.RunPython(add_exclusion, drop_exclusion),
        migrations.RunPython(first_terms, no_terms),
    ]
