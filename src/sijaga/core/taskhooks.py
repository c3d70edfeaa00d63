"""Work the task worker does before each task: the reapers of jobs whose worker died (an import batch, a report).

Django's database task backend has no scheduler; the worker's `task_started` signal is the one moment we know a worker
is alive, so every app that owns long jobs registers its reaper here. A reaper must never break the task it runs
before: its failure is logged with the traceback, not swallowed and not raised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib import import_module

logger = logging.getLogger(__name__)


def before_each_task(path: str) -> None:
    """Run the function at `path` ("module:function", imported when first called) before each task."""
    from django.tasks.signals import task_started

    module, _sep, name = path.partition(":")

    def receiver(sender, **kwargs) -> None:
        func: Callable[[], object] = getattr(import_module(module), name)
        try:
            func()
        except Exception:
            logger.exception("%s before a task failed", path)

    task_started.connect(receiver, dispatch_uid=f"sijaga.before_each_task:{path}", weak=False)
