"""The schedule engine: pure functions from a channel and its media to slots."""

from .generator import GenerationInput, build_generation
from .occurrences import Occurrence, expand_occurrences
from .pool_index import PoolIndex, sequential_key
from .recycling import required_available
from .timebase import from_us, to_us

__all__ = [
    "GenerationInput",
    "Occurrence",
    "PoolIndex",
    "build_generation",
    "expand_occurrences",
    "from_us",
    "required_available",
    "sequential_key",
    "to_us",
]
