"""The property and fuzz tests pass or fail for a reason: in CI they draw the same examples on every run."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.database import ReadOnlyDatabase

from tests import fuzzing
from tests.test_api_schema_fuzz import schema

pytestmark = pytest.mark.skipif(bool(fuzzing.SCALE), reason="make fuzz draws from a random seed on purpose")


def test_a_property_test_draws_the_same_examples_on_every_run():
    drawn: list[int] = []

    @fuzzing.fuzzed(20)
    @given(st.integers())
    def record(number: int) -> None:
        drawn.append(number)

    record()
    first, drawn[:] = list(drawn), []
    record()
    assert drawn == first
    assert len(set(first)) > 10


def test_ci_replays_the_stored_failures_and_never_writes_them():
    assert isinstance(settings.default.database, ReadOnlyDatabase)
    assert schema.config.seed == fuzzing.SEED
