from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgencydataConfig(AppConfig):
    name = "agencydata"
    verbose_name = _("Etatens data")

    def ready(self) -> None:
        from agencydata import log_privacy
        from agencydata.gdpr.builtin import register_builtin

        register_builtin()  # the personal data of switchboard and contactcenter (GDPR kinds)
        from agencydata.gdpr.holds import recordings_not_held
        from contactcenter.recordings import register_hold_filter

        register_hold_filter(recordings_not_held)  # legal holds stop the recording policy's deletions too
        log_privacy.install()  # no phone numbers or searched names in logs at INFO (see log_privacy)
