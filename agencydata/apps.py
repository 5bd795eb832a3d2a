from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgencydataConfig(AppConfig):
    name = "agencydata"
    verbose_name = _("Etatens data")

    def ready(self) -> None:
        from agencydata.gdpr.builtin import register_builtin

        register_builtin()  # the personal data of switchboard and contactcenter (GDPR kinds)
