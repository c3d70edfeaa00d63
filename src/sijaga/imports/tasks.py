"""Background task: tasks take IDs, are enqueued on commit, and are idempotent (re-running a batch is safe).

The task builds the actor the batch runs as (the uploader, the confirmer of a dry run, or the system for CLI
batches) and runs in the uploader's language. A run that breaks marks the batch failed and re-raises, so the task
ends failed too (security review F2)."""

from django.tasks import task
from django.utils import translation


@task()
def process_import(batch_id: str) -> dict:
    from sijaga.imports import services
    from sijaga.imports.models import ImportBatch

    batch = ImportBatch.objects.select_related("uploaded_by", "confirmed_by").filter(pk=batch_id).first()
    if batch is None:
        return {"batch": batch_id, "status": "missing"}
    with translation.override(batch.language or "id"):
        batch = services.run_batch(batch_id, actor=services.batch_actor(batch))
    return services.result_dict(batch)
