"""K-TV app: the Litestar HTTP API, the composition root, the keeper and the ``ktv`` command.

``create_app(settings, overrides=...)`` is the one place where adapters are
built; see ``docs/architecture.md``.
"""

from .app import Overrides, SystemClock, create_app
from .settings import Settings, SettingsError, load_settings

__all__ = ["Overrides", "Settings", "SettingsError", "SystemClock", "create_app",
           "load_settings"]
