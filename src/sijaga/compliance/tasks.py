"""Background task: the six-monthly report, by ID, enqueued on commit, idempotent (a report that is not queued any
more — running, done or failed — is left as it is, so a second run of the same task does nothing)."""

from django.tasks import task


@task()
def generate_report(report_id: int) -> dict:
    from sijaga.compliance import services

    report = services.run_report(report_id)
    return {"report": report_id, "status": report.status, "pdf_sha256": report.pdf_sha256}
