"""Agency admins' admin for the contact center."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from contactcenter.admin_voice import MohFileInline, ReadOnlyLogAdmin
from contactcenter.models import (
    Agent,
    AgentPause,
    AgentSession,
    AgentSkill,
    HistoryGap,
    InquiryCategory,
    MusicOnHold,
    PauseReason,
    Queue,
    QueueSkill,
    Skill,
)
from controlplane.admin_sites import agency_admin_site
from switchboard.admin import ConfigAdmin
from switchboard.admin_forms import DestinationFormMixin


@admin.register(MusicOnHold, site=agency_admin_site)
class MusicOnHoldAdmin(ConfigAdmin):
    list_display = ["name", "source", "licences"]
    inlines = [MohFileInline]

    @admin.display(description=_("lisenser"))
    def licences(self, obj: MusicOnHold) -> str:
        """Whether the class has TONO-liable music (the agency then owes TONO fees for playing it)."""
        kinds = {f.get_licence_display() for f in obj.files.all()}
        return ", ".join(sorted(str(k) for k in kinds)) or "–"


class QueueSkillInline(admin.TabularInline):
    model = QueueSkill
    extra = 0


class InquiryCategoryInline(admin.TabularInline):
    model = InquiryCategory
    extra = 0


class QueueForm(DestinationFormMixin):
    class Meta:
        model = Queue
        fields = ["name", "number", "strategy", "ring_seconds", "wrapup_seconds", "max_wait_seconds",
                  "music_on_hold", "announce_position", "announce_holdtime", "periodic_announce_seconds",
                  "service_level_seconds", "require_category", "dest_number"]


@admin.register(Queue, site=agency_admin_site)
class QueueAdmin(ConfigAdmin):
    form = QueueForm
    list_display = ["name", "number", "strategy", "max_wait_seconds", "service_level_seconds"]
    inlines = [QueueSkillInline, InquiryCategoryInline]


@admin.register(Skill, site=agency_admin_site)
class SkillAdmin(ConfigAdmin):
    search_fields = ["name"]


class AgentSkillInline(admin.TabularInline):
    model = AgentSkill
    extra = 0


@admin.register(Agent, site=agency_admin_site)
class AgentAdmin(ConfigAdmin):
    list_display = ["person", "extension", "is_supervisor"]
    filter_horizontal = ["queues"]
    inlines = [AgentSkillInline]


@admin.register(PauseReason, site=agency_admin_site)
class PauseReasonAdmin(ConfigAdmin):
    list_display = ["name", "code"]


@admin.register(HistoryGap, site=agency_admin_site)
class HistoryGapAdmin(ReadOnlyLogAdmin):
    """Times when the engine had no contact with Asterisk (written by the engine; read-only here)."""

    list_display = ["node", "started_at", "ended_at", "asterisk_restarted", "recovered_calls"]


@admin.register(AgentSession, site=agency_admin_site)
class AgentSessionAdmin(ReadOnlyLogAdmin):
    """Recorded by the engine: deleted by the retention job or a GDPR erasure, not by hand."""

    list_display = ["agent", "queue", "started_at", "ended_at"]
    list_filter = ["queue", "agent"]
    date_hierarchy = "started_at"
    list_select_related = ["agent__person", "agent__extension", "queue"]


@admin.register(AgentPause, site=agency_admin_site)
class AgentPauseAdmin(ReadOnlyLogAdmin):
    """Recorded by the engine: deleted by the retention job or a GDPR erasure, not by hand."""

    list_display = ["agent", "reason", "started_at", "ended_at", "ended_by_logout"]
    list_filter = ["reason", "agent"]
    date_hierarchy = "started_at"
    list_select_related = ["agent__person", "agent__extension"]


# --- skills routing, priority callers and callbacks (docs/ferdighetsruting.md, docs/tilbakeringing.md) -----------

from contactcenter.models import CallbackPolicy, PriorityCaller, QueueRouting  # noqa: E402


class QueueRoutingInline(admin.StackedInline):
    model = QueueRouting
    extra = 0
    max_num = 1


class CallbackPolicyInline(admin.StackedInline):
    model = CallbackPolicy
    extra = 0
    max_num = 1


QueueAdmin.inlines = [*QueueAdmin.inlines, QueueRoutingInline, CallbackPolicyInline]


@admin.register(PriorityCaller, site=agency_admin_site)
class PriorityCallerAdmin(ConfigAdmin):
    list_display = ["number", "note"]
    search_fields = ["number", "note"]
