"""The portal has no tables: it composes the apps below it."""
