"""The property and fuzz tests pass or fail for a reason: in CI they draw the same examples on every run."""

import os
import subprocess
import sys
from pathlib import Path

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


def test_the_same_profile_loads_where_the_ci_variable_is_set():
    # Hypothesis loads its own "ci" profile (derandomize, no database) wherever CI is set;
    # ours must win there too, or schemathesis refuses the combination at collection.
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import tests.fuzzing; from hypothesis import settings; d = settings.default;"
            " print(d.derandomize, type(d.database).__name__)",
        ],
        env={**os.environ, "CI": "true", "JISHI_FUZZ": ""},
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.split() == ["False", "ReadOnlyDatabase"]
