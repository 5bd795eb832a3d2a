from django.apps import AppConfig


class OutboundConfig(AppConfig):
    name = "outbound"
    verbose_name = "Utgående: SMS og kampanjer"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from contactcenter.services import register_inquiry_hook
        from outbound.services import attempt_dispose_from_inquiry

        register_inquiry_hook(attempt_dispose_from_inquiry)  # the inquiry's category is the campaign's disposition
