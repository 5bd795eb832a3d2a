from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # controlplane has no app of its own; its checks are registered by an app (as contactcenter does E001).
        from django.core.checks import register

        from controlplane.checks import ops_token_check

        register(ops_token_check)
