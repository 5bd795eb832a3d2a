from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SwitchboardConfig(AppConfig):
    name = "switchboard"
    verbose_name = _("Telefonsentral og sentralbord")

    def ready(self) -> None:
        from audit.capture import record_only
        from switchboard import resolvers  # noqa: F401  (registers extension, voicemail and IVR destinations)
        from switchboard.presence import register_calendar_source
        from switchboard.presence_sources import Microsoft365Calendar

        register_calendar_source(Microsoft365Calendar)  # the Microsoft 365 sync's calendars feed presence
        record_only("switchboard.AttendantMessage")  # the trail keeps who took a message, not the caller's words
