"""Hypothesis profiles for the property suite (select with HYPOTHESIS_PROFILE)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_CHECKS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

# Both profiles explore with a fresh random seed each run, and a failure prints its
# example and the @reproduce_failure blob that replays it (tests/README.md says why).
settings.register_profile("default", max_examples=100, deadline=None,
                          suppress_health_check=_CHECKS, print_blob=True)
settings.register_profile("ci", max_examples=800, deadline=None,
                          suppress_health_check=_CHECKS, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
