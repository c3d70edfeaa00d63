"""Tables of the coverage app (see docs/architecture.md)."""
