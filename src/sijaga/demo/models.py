"""The demo app has no tables: it writes payers, workers, memberships and users through the other apps' services."""
