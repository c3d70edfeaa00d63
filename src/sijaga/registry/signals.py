"""Signals of the registry, for higher apps that keep figures about workers (coverage) without being imported here.

`workers_changed(sender, worker_ids, previous_domiciles=None)`: the domicile or target category of these workers
may have changed. `previous_domiciles` maps the workers who moved to the village they left (those not in it kept
their domicile); None means unknown, and a receiver must assume any of them may have moved from anywhere. Sent
inside the writing transaction; receivers defer their work to the commit.
"""

from django.dispatch import Signal

workers_changed = Signal()
