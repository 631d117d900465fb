"""Property-based tests of the schedule engine (hypothesis)."""
