"""Helpers other test packages use for the mail and calendar feed routes."""

from __future__ import annotations
