from django.apps import AppConfig


class OutboundConfig(AppConfig):
    name = "outbound"
    verbose_name = "Utgående: SMS og kampanjer"
    default_auto_field = "django.db.models.BigAutoField"
