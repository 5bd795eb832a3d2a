"""Flow 1: a committed admin change re-renders the changed agency's config."""

from __future__ import annotations

import logging

from django.conf import settings

from tenants.signals import agency_config_changed

logger = logging.getLogger(__name__)
# Other parts (the engine) register here to reload Asterisk after a render.
after_render_hooks: list = []


def _on_config_changed(sender: object, schema_name: str, **kwargs: object) -> None:
    if not settings.ASTERISK_AUTO_RENDER:
        return
    from asterisk_conf.render import RenderFailed, render_to_dir

    try:
        result = render_to_dir(out_dir=settings.ASTERISK_CONFIG_DIR, only=[schema_name])
    except RenderFailed as exc:
        # The change is committed; the agency keeps its last good config and health names it. Never a 500.
        logger.error("Konfigurasjonen for %s ble ikke laget etter endringen: %s", schema_name, exc)
        result = exc.result
    for hook in after_render_hooks:
        hook(result)


def connect() -> None:
    agency_config_changed.connect(_on_config_changed, dispatch_uid="asterisk_conf.autorender")
