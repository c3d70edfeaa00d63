"""The portal has no commands of its own; its pages read the selectors of the apps below it."""
