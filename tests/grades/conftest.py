"""Every grades test leaves the pilot course's programs as it found them (its graded path
lives in a program of that course, and later launches of its learners must land as before)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.matching.test_programs import forget_programs  # noqa: F401  (a fixture)


@pytest.fixture(autouse=True)
def _programs_forgotten(forget_programs: None) -> Iterator[None]:
    yield
