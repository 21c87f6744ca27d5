"""How the property and fuzz tests run: the same examples on every CI run, many more and new ones under ``make fuzz``.

In CI (the default) every property test draws its examples from a fixed
seed, so a run passes or fails for a reason and a red run repeats, after
first replaying the examples ``make fuzz`` found failing before, kept in
``tests/hypothesis-examples`` (read only here). ``make fuzz`` sets
``JISHI_FUZZ`` to a multiplier: each test then draws that many times more
examples from a random seed, and what fails is saved into the same folder,
to be committed with its fix so that CI replays it from then on.
"""

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, seed, settings
from hypothesis.database import DirectoryBasedExampleDatabase, ReadOnlyDatabase

EXAMPLES = Path(__file__).parent / "hypothesis-examples"
SCALE = int(os.environ.get("JISHI_FUZZ", "0") or "0")
SEED = 20261202

_common: dict[str, Any] = {
    "derandomize": False,  # the seed below does that job, and keeps the example database usable
    "deadline": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
# Our own names: Hypothesis has a built-in "ci" profile (derandomize, no database) that it
# loads by itself wherever the CI variable is set, and registering over it inherits from it.
_replay = settings(
    settings.get_profile("default"), database=ReadOnlyDatabase(DirectoryBasedExampleDatabase(EXAMPLES)), **_common
)
settings.register_profile("jishi-replay", _replay)
settings.register_profile("jishi-fuzz", _replay, database=DirectoryBasedExampleDatabase(EXAMPLES))
settings.load_profile("jishi-fuzz" if SCALE else "jishi-replay")

Test = TypeVar("Test", bound=Callable[..., Any])


def examples(ci: int) -> int:
    """How many examples to draw: ``ci`` in CI, ``JISHI_FUZZ`` times as many under ``make fuzz``."""
    return ci * max(SCALE, 1)


def fuzzed(ci_examples: int, **more: Any) -> Callable[[Test], Test]:
    """Put above ``@given``: ``ci_examples`` from the fixed seed in CI, more from a random one under ``make fuzz``.

    The test is marked ``fuzz``, which is what ``make fuzz`` runs.
    """

    def decorate(test: Test) -> Test:
        if not SCALE:
            test = seed(SEED)(test)  # which also drops the database: the settings below bring it back
        test = settings(max_examples=examples(ci_examples), database=settings.default.database, **more)(test)
        return pytest.mark.fuzz(test)

    return decorate
