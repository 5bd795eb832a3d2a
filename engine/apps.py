from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "engine"
    verbose_name = "Motor (AMI/ARI)"

    def ready(self) -> None:
        from asterisk_conf.autorender import after_render_hooks
        from engine.reload import reload_after_render

        if reload_after_render not in after_render_hooks:
            after_render_hooks.append(reload_after_render)
