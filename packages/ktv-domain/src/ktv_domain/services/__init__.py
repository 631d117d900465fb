"""Use cases: what the app calls. Each opens its own unit of work."""

from .accounts import RECENT_LOGIN, AccountAdmin
from .channels import (
    UNSET,
    BlockSpec,
    ChannelChanges,
    ChannelService,
    ChannelSpec,
    Unset,
    build_config,
    next_number,
    owned_channel,
)
from .library import LibraryService
from .schedules import MAX_EPG_SPAN, MIN_HISTORY, ActiveSchedule, ScheduleService, validate_window
from .users import UserService

__all__ = [
    "MAX_EPG_SPAN",
    "MIN_HISTORY",
    "RECENT_LOGIN",
    "UNSET",
    "AccountAdmin",
    "ActiveSchedule",
    "BlockSpec",
    "ChannelChanges",
    "ChannelService",
    "ChannelSpec",
    "LibraryService",
    "ScheduleService",
    "Unset",
    "UserService",
    "build_config",
    "next_number",
    "owned_channel",
    "validate_window",
]
