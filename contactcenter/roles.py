"""The contact center's roles as Django groups (set by single sign-on from the agency's group claims;
an agency admin may also set them by hand). Agent.is_supervisor and is_staff keep working as before."""

from django.utils.translation import gettext_lazy as _

AGENT_GROUP = "Agent"
SUPERVISOR_GROUP = "Veileder"
ADMIN_GROUP = "Administrator"
ROLE_GROUPS = {"agent": AGENT_GROUP, "supervisor": SUPERVISOR_GROUP, "admin": ADMIN_GROUP}
ROLE_NAMES = {"agent": _("agent"), "supervisor": _("veileder"), "admin": _("administrator")}
