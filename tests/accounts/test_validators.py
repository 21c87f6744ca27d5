import pytest

from jishi.accounts.validators import id_number_check_character, normalize_id_number, normalize_mobile
from jishi.core.errors import InvalidInput


def valid_id(first17: str = "11010519491231002") -> str:
    return first17 + id_number_check_character(first17)


def test_the_published_gb11643_example_checks_out():
    # The standard's own example number ends in X.
    assert id_number_check_character("11010519491231002") == "X"
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002",  # 17 characters
        "110105194912310021",  # wrong check digit
        "990105194912310027",  # no such province
        valid_id("11010519490231002")[:17] + "0",  # 31 February
        valid_id("11010530000101002"),  # born in the future
        "11010519491231002Y",
        "",
    ],
)
def test_invalid_id_numbers_are_refused_with_the_field(number):
    with pytest.raises(InvalidInput) as error:
        normalize_id_number(number)
    assert error.value.code == "accounts.invalid_id_number"
    assert error.value.field == "id_number"


@pytest.mark.parametrize("raw", ["13812341234", "+86 138-1234-1234", "8613812341234"])
def test_mobile_numbers_are_normalised(raw):
    assert normalize_mobile(raw) == "13812341234"


@pytest.mark.parametrize("raw", ["12812341234", "1381234123", "138123412345", "abc"])
def test_bad_mobile_numbers_are_refused(raw):
    with pytest.raises(InvalidInput) as error:
        normalize_mobile(raw)
    assert error.value.code == "accounts.invalid_phone"
