"""What the API shows and takes. Config writes go through the same service as the admin
(``switchboard.services.config_object_save``): validated with the model's own rules, saved atomically and
announced for rendering."""

from __future__ import annotations

from django.db import connection, transaction
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from asterisk_conf.naming import endpoint_name
from contactcenter import models as cc
from outbound.models import CallAttempt, Campaign, SmsMessage
from switchboard import models as sb
from switchboard import services as sb_services


class ConfigSerializer(serializers.ModelSerializer):
    """Create and update through ``config_object_save`` (many-to-many set in the same transaction)."""

    def _split(self, data: dict) -> tuple[dict, dict]:
        m2m = {f.name for f in self.Meta.model._meta.many_to_many}
        return ({k: v for k, v in data.items() if k not in m2m}, {k: v for k, v in data.items() if k in m2m})

    def prepare(self, obj) -> None:  # type: ignore[no-untyped-def]
        """Hook for what the admin fills in before saving (a new phone's SIP password)."""

    def _save(self, obj, m2m: dict):  # type: ignore[no-untyped-def]
        with transaction.atomic():
            self.prepare(obj)
            sb_services.config_object_save(obj=obj)
            for name, values in m2m.items():
                getattr(obj, name).set(values)
        return obj

    def create(self, validated_data):  # type: ignore[no-untyped-def]
        plain, m2m = self._split(validated_data)
        return self._save(self.Meta.model(**plain), m2m)

    def update(self, instance, validated_data):  # type: ignore[no-untyped-def]
        plain, m2m = self._split(validated_data)
        for key, value in plain.items():
            setattr(instance, key, value)
        return self._save(instance, m2m)


def _config(model_cls, exclude: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    meta = type("Meta", (), {"model": model_cls, "exclude": exclude} if exclude else {"model": model_cls,
                                                                                        "fields": "__all__"})
    return type(f"{model_cls.__name__}Serializer", (ConfigSerializer,), {"Meta": meta})


PersonSerializer = _config(sb.Person)
ExtensionSerializer = _config(sb.Extension)
VoicemailSerializer = _config(sb.Voicemail)
ScheduleSerializer = _config(sb.Schedule)


@extend_schema_field({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", "example": "08:00"})
class ClockField(serializers.TimeField):
    """A time of day without zone ("08:00"): OpenAPI's format "time" would demand an offset."""


class ScheduleRuleSerializer(ConfigSerializer):
    opens = ClockField()
    closes = ClockField()

    class Meta:
        model = sb.ScheduleRule
        fields = "__all__"


ClosedDaySerializer = _config(sb.ClosedDay)
IvrMenuSerializer = _config(sb.IvrMenu)
IvrOptionSerializer = _config(sb.IvrOption)
DidSerializer = _config(sb.Did)
MusicOnHoldSerializer = _config(cc.MusicOnHold)
QueueSerializer = _config(cc.Queue)
SkillSerializer = _config(cc.Skill)
QueueSkillSerializer = _config(cc.QueueSkill)
AgentSkillSerializer = _config(cc.AgentSkill)
InquiryCategorySerializer = _config(cc.InquiryCategory)
PauseReasonSerializer = _config(cc.PauseReason)
# Callers' experience and the attendant console (issue 10 and 11 config, same service as the admin).
CallbackPolicySerializer = _config(cc.CallbackPolicy)
QueueRoutingSerializer = _config(cc.QueueRouting)
PriorityCallerSerializer = _config(cc.PriorityCaller)
LegalBasisSerializer = _config(cc.LegalBasis)
RecordingPolicySerializer = _config(cc.RecordingPolicy)
AttendantSettingsSerializer = _config(sb.AttendantSettings)
OperatorSerializer = _config(sb.Operator)


class AgentSerializer(ConfigSerializer):
    class Meta:
        model = cc.Agent
        fields = ["id", "person", "extension", "is_supervisor", "queues"]


class PhoneSerializer(ConfigSerializer):
    sip_username = serializers.SerializerMethodField()

    class Meta:
        model = sb.Phone
        fields = ["id", "extension", "tier", "label", "mac_address", "is_active", "created_at", "sip_username"]

    def get_sip_username(self, obj: sb.Phone) -> str:
        return endpoint_name(connection.schema_name, obj.pk)

    def prepare(self, obj) -> None:  # type: ignore[no-untyped-def]
        if not obj.sip_password:
            obj.sip_password = sb_services.generate_sip_password()


class PhonePasswordSerializer(serializers.Serializer):
    sip_username = serializers.CharField()
    sip_password = serializers.CharField(help_text="Vises bare nå: telefonen må settes opp med det nye passordet.")


# --- Read side ---------------------------------------------------------------------------------------------------

class CallSerializer(serializers.ModelSerializer):
    class Meta:
        model = cc.Call
        fields = "__all__"


class QueueVisitSerializer(serializers.ModelSerializer):
    linkedid = serializers.CharField(source="call.linkedid", read_only=True)

    class Meta:
        model = cc.QueueVisit
        fields = "__all__"


class InquirySerializer(serializers.ModelSerializer):
    category_code = serializers.CharField(source="category.code", read_only=True, allow_null=True, default=None)

    class Meta:
        model = cc.Inquiry
        fields = "__all__"


class RecordingSerializer(serializers.ModelSerializer):
    linkedid = serializers.CharField(source="call.linkedid", read_only=True, allow_null=True, default=None)
    file_name = serializers.SerializerMethodField()

    class Meta:
        model = cc.Recording
        fields = ["id", "call", "linkedid", "started_at", "started_by", "file_name"]

    def get_file_name(self, obj: cc.Recording) -> str:
        return obj.path.rsplit("/", 1)[-1]


class HistoryGapSerializer(serializers.ModelSerializer):
    class Meta:
        model = cc.HistoryGap
        fields = "__all__"


class AgentSessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = cc.AgentSession
        fields = "__all__"


class AgentPauseSerializer(serializers.ModelSerializer):
    class Meta:
        model = cc.AgentPause
        fields = "__all__"


class CallbackSerializer(serializers.ModelSerializer):
    queue_name = serializers.CharField(source="queue.name", read_only=True)

    class Meta:
        model = cc.CallbackRequest
        fields = ["id", "queue", "queue_name", "number", "caller_number", "joined_at", "requested_at", "state",
                  "attempts", "next_attempt_at", "expires_at", "agent", "answered_at", "outcome"]


class SmsMessageSerializer(serializers.ModelSerializer):
    created_at = serializers.DateTimeField(source="send.created_at", read_only=True)

    class Meta:
        model = SmsMessage
        fields = ["id", "send", "created_at", "number", "body", "encoding", "segments", "sent_by", "state", "sent_at",
                  "smsc_accepted_at", "delivered_at", "error"]


class CampaignSerializer(serializers.ModelSerializer):
    queue_name = serializers.CharField(source="queue.name", read_only=True)
    contacts_total = serializers.IntegerField(read_only=True)
    contacts_pending = serializers.IntegerField(read_only=True)
    contacts_done = serializers.IntegerField(read_only=True)
    contacts_failed = serializers.IntegerField(read_only=True)

    class Meta:
        model = Campaign
        fields = ["id", "name", "mode", "status", "queue", "queue_name", "abandon_cap", "window_start", "window_end",
                  "weekdays", "skip_holidays", "amd", "ring_seconds", "max_attempts", "created_at", "contacts_total",
                  "contacts_pending", "contacts_done", "contacts_failed"]


class CallAttemptSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="contact.number", read_only=True)
    disposition_name = serializers.CharField(source="disposition.name", read_only=True, default="")

    class Meta:
        model = CallAttempt
        fields = ["id", "campaign", "contact", "number", "state", "outcome", "claimed_at", "dialled_at", "answered_at",
                  "ended_at", "agent", "preview_agent", "channel_id", "disposition", "disposition_name"]
