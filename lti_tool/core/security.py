from __future__ import annotations

from flask import Flask


def register_security(app: Flask) -> None:
    return None
