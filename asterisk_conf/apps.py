from django.apps import AppConfig


class AsteriskConfConfig(AppConfig):
    name = "asterisk_conf"
    verbose_name = "Asterisk-konfigurasjon"

    def ready(self) -> None:
        from asterisk_conf import autorender

        autorender.connect()
