"""Deterministic, idempotent demo data: payers, workers, memberships and a login for every role.

Three provinces are covered: Kalimantan Timur (64), Kalimantan Utara (65) and DI Yogyakarta (34). Every
regency/city, district and village comes from the Region table (``sijaga load_regions``); only the three
province codes are written here. Village governments (``pemdes``, funded from APBDes) sit on desa only: the
cities have only kelurahan, whose staff (``non_asn``) and RT/RW heads are paid by the city. Everything
personal is generated: names from lists of common names, NIKs that pass :func:`sijaga.registry.nik.parse_nik`,
phone numbers with real operator prefixes.

Determinism: every random choice comes from a :class:`random.Random` seeded with a string built from
:data:`SEED`, the region code and the worker's index, so worker ``i`` of a regency is the same person whatever
``workers_per_regency`` is, and no date depends on today (ages and end dates are taken at
:data:`sijaga.demo.people.REFERENCE_DATE`). No two workers of a regency share a full name: a name already given
to an earlier worker of the regency is redrawn from a generator of its own. Idempotency: users, payers and
workers are looked up by their natural keys (username, payer code, NIK) and skipped when they exist. Memberships
and status changes go through the enrolment services, as the users who would do them in real life, so the rules,
the history and the access log are exercised.

Modules, by concern (each imports only those above it):

- :mod:`~sijaga.demo.names`: name pools per naming tradition, phone prefixes (no database, no Django models);
- :mod:`~sijaga.demo.places`: the demo regencies, districts and villages read from the Region table;
- :mod:`~sijaga.demo.payers`: the payer of every province and regency;
- :mod:`~sijaga.demo.people`: worker planning: categories, occupations, wages, NIKs, status histories;
- :mod:`~sijaga.demo.users`: a demo user for every role, and the login table;
- :mod:`~sijaga.demo.write`: writing all of it through the services, as ``Actor.of(user, channel="cli")``;
- :mod:`~sijaga.demo.services`: the entry point used by ``sijaga demo_data``.

``bench/generate.py`` reuses the name pools, phone prefixes, occupations and category weights for benchmark data.
"""

#: Every random generator of the demo is seeded with a string that starts with this number.
SEED = 2021
