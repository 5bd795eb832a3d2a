"""Signals of the public layer. Apps above send them; asterisk_conf (and later the engine) listen."""

from django.dispatch import Signal

# Sent after a committed change that affects an agency's Asterisk config. kwargs: schema_name (str).
agency_config_changed = Signal()
