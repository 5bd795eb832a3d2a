"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "controlplane.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from contactcenter.consumers import LiveConsumer  # noqa: E402
from controlplane.ws import AgencySessionMiddleware  # noqa: E402
from engine.asgi_lifespan import with_lifespan  # noqa: E402
from switchboard.consumers import AttendantConsumer  # noqa: E402

websocket_urlpatterns = [path("ws/live/", LiveConsumer.as_asgi()), path("ws/attendant/", AttendantConsumer.as_asgi())]

# Answers uvicorn's lifespan scope too (Channels' router has no application for it); the engine then
# runs elsewhere: in its own process with REDIS_URL (run_engine), or see application_with_engine.
application = with_lifespan(ProtocolTypeRouter({
    "http": django_asgi_app,
    "websocket": AgencySessionMiddleware(URLRouter(websocket_urlpatterns)),
}))


def application_with_engine():  # type: ignore[no-untyped-def]
    """The same application with the engine in this process (no REDIS_URL)."""
    from engine.asgi_lifespan import with_engine

    return with_engine(application)
