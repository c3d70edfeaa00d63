"""Signals of the registry, for higher apps that keep figures about workers (coverage) without being imported here.

`workers_changed(sender, worker_ids)`: the domicile or target category of these workers may have changed (sent
inside the writing transaction; receivers defer their work to the commit).
"""

from django.dispatch import Signal

workers_changed = Signal()
