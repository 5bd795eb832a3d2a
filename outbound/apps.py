from django.apps import AppConfig


class OutboundConfig(AppConfig):
    name = "outbound"
    verbose_name = "Utgående: SMS og kampanjer"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from audit.capture import record_only

        # The audit trail keeps who did what to these rows, not the callers' numbers or texts.
        record_only("outbound.SmsSend", "outbound.SmsMessage", "outbound.SmsGroupMember", "outbound.OptOut",
                    "outbound.CampaignContact", "outbound.DoNotCall", "outbound.CallAttempt")
        from contactcenter.services import register_inquiry_hook
        from outbound.services import attempt_dispose_from_inquiry

        register_inquiry_hook(attempt_dispose_from_inquiry)  # the inquiry's category is the campaign's disposition
