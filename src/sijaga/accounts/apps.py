from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sijaga.accounts"
    label = "accounts"
    verbose_name = "Akun dan peran"
