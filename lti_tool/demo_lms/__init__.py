"""The built-in demo LMS (placeholder until the platform lands)."""

from __future__ import annotations

from flask import Flask


def mount_demo_lms(app: Flask) -> None:
    return None
