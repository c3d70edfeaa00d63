from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sijaga.accounts"
    label = "accounts"
    verbose_name = "Akun dan peran"

    def ready(self) -> None:
        # `sijaga partitions` keeps the access log's monthly partitions (PostgreSQL).
        from sijaga.accounts.partitions import LOG
        from sijaga.core.partitions import register

        register(LOG)
