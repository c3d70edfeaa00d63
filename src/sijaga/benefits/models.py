"""Tables of the benefits app (see docs/architecture.md)."""
