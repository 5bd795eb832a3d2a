from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SwitchboardConfig(AppConfig):
    name = "switchboard"
    verbose_name = _("Telefonsentral og sentralbord")

    def ready(self) -> None:
        from switchboard import resolvers  # noqa: F401  (registers extension, voicemail and IVR destinations)
