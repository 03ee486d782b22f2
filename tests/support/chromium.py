"""Headless Chromium (Debian's, through Playwright) with third-party cookies blocked.

Missing Chromium fails the run under CI (``CI=true``) and skips elsewhere, with the command
that installs it. The fixtures are registered in tests/conftest.py."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--test-third-party-cookie-phaseout",
]


def chromium_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A browser profile that blocks third-party cookies, as Chrome's setting does."""
    if not shutil.which(CHROMIUM):
        message = "Debian's chromium is not installed: run `make browser`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    (profile / "Default").mkdir()
    (profile / "Default" / "Preferences").write_text(
        json.dumps({"profile": {"cookie_controls_mode": 1, "block_third_party_cookies": True}})
    )
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1200, "height": 900},
        )
        yield context
        context.close()


def page(chromium_context: Any) -> Iterator[Any]:
    page = chromium_context.new_page()
    yield page
    page.close()


def screenshot_dir() -> Path:
    default = Path(__file__).resolve().parents[2] / "var" / "screenshots"
    path = Path(os.environ.get("SCREENSHOT_DIR", default))
    path.mkdir(parents=True, exist_ok=True)
    return path
