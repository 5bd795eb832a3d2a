from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactcenterConfig(AppConfig):
    name = "contactcenter"
    verbose_name = _("Kontaktsenter")

    def ready(self) -> None:
        from audit.capture import record_only

        # The audit trail keeps who did what to these rows, not the callers' numbers or texts.
        record_only("contactcenter.Call", "contactcenter.QueueVisit", "contactcenter.Inquiry", "contactcenter.CallbackRequest",
                    "contactcenter.Recording", "contactcenter.PriorityCaller")
        from django.core.checks import register

        from contactcenter import destinations  # noqa: F401  (registers "queue" as a destination)
        from controlplane.checks import production_secret_key_check

        # The project package is no app of its own; its settings check is registered here.
        register(production_secret_key_check)
