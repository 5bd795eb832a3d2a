from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgencydataConfig(AppConfig):
    name = "agencydata"
    verbose_name = _("Etatens data")
