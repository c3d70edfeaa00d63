"""The `sijaga` console script: Django's management commands plus SiJaga's own domain commands."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sijaga.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["sijaga", *argv])
    args[0] = "sijaga"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
