from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "sijaga.enrollment"
    label = "enrollment"
    verbose_name = "Kepesertaan"
