"""Background task: tasks take IDs, are enqueued on commit, and are idempotent (re-running a batch is safe)."""

from django.tasks import task
from django.utils import translation


@task()
def process_import(batch_id: str) -> dict:
    from sijaga.imports import services
    from sijaga.imports.models import ImportBatch

    language = ImportBatch.objects.filter(pk=batch_id).values_list("language", flat=True).first() or "id"
    with translation.override(language):
        batch = services.run_batch(batch_id)
    return services.result_dict(batch)
