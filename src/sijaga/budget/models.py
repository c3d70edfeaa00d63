"""Tables of the budget app (see docs/architecture.md)."""
