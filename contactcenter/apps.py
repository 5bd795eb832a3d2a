from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactcenterConfig(AppConfig):
    name = "contactcenter"
    verbose_name = _("Kontaktsenter")

    def ready(self) -> None:
        from contactcenter import destinations  # noqa: F401  (registers "queue" as a destination)
