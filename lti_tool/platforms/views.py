from __future__ import annotations

from flask import Blueprint

bp = Blueprint("platforms", __name__)
