"""Exceptions every channel maps the same way: the API in `sijaga/api.py`, the web in `core.middleware`."""


class NotFound(Exception):
    """An object that does not exist or is outside the actor's scope: both answer 404, so existence is not
    disclosed across regions."""
