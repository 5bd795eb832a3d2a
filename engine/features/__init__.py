"""The engine's features. Each is a package with a ``plugin.py`` whose ``load(registry)`` registers what it handles:
AMI events (its part of the live state), the resync actions that rebuild that part, commands and ticks.

The one list of enabled features, wired at engine start (``engine.registry.default_registry``):"""

ENABLED = (
    "engine.features.queues",  # queues and agents
    "engine.features.calls",  # calls and supervision
    "engine.features.transfer",  # hold and transfer
    "engine.features.recording",
    "engine.features.switchboard",  # the attendant console (ARI bridges)
    "engine.features.ewt",  # estimated wait, said to waiting callers
    "engine.features.callback",  # callbacks that keep the caller's place
    "engine.features.dialer",  # outbound campaigns (progressive, predictive, preview)
)
