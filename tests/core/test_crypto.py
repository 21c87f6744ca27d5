import pytest

from jishi.core import crypto
from jishi.core.masking import mask_email, mask_id_number, mask_phone


def test_sealed_values_open_only_in_their_context_and_fail_when_tampered():
    # given
    sealed = crypto.seal("110101199003077777", context="accounts.id_number")
    # then
    assert "110101199003077777" not in sealed
    assert crypto.unseal(sealed, context="accounts.id_number") == "110101199003077777"
    with pytest.raises(ValueError, match="authentication"):
        crypto.unseal(sealed, context="accounts.phone")
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(ValueError, match="authentication"):
        crypto.unseal(tampered, context="accounts.id_number")


def test_sealing_is_randomised_but_the_blind_index_is_stable():
    a = crypto.seal("13812341234", context="accounts.phone")
    b = crypto.seal("13812341234", context="accounts.phone")
    assert a != b
    assert crypto.blind_index("13812341234", context="accounts.phone") == crypto.blind_index(
        "13812341234", context="accounts.phone"
    )
    assert crypto.blind_index("13812341234", context="accounts.phone") != crypto.blind_index(
        "13812341235", context="accounts.phone"
    )


def test_masks():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_id_number("110101199003071234") == "110101********1234"
    assert mask_email("alice@example.com") == "a***e@example.com"
