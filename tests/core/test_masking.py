"""Phone and ID numbers are masked in any text headed for a log, order numbers are not."""

import logging

import pytest

from jishi.core.masking import mask_personal_data


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("GET /x?q=13800138000 HTTP/1.1", "GET /x?q=138****8000 HTTP/1.1"),
        ("+86 138 0013 8000", "138****8000"),
        ("86-138-0013-8000", "138****8000"),
        ("q=%2B86%20138%200013%208000", "q=138****8000"),
        ("身份证11010519491231002X。", "身份证110105********002X。"),
        ("id 11010519491231002x", "id 110105********002x"),
    ],
)
def test_personal_numbers_are_masked_however_they_are_written(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "order 261202217254082909",  # an order number: no region code, no birth date
        "11010519491231002",  # too short for an ID number
        "trade 2026120222001412345678901234",
        "digest a13800138000f",  # inside a hex digest
        "amount 12000000000",  # not a mobile prefix
    ],
)
def test_other_numbers_are_left_alone(text):
    assert mask_personal_data(text) == text


def test_every_log_record_carries_its_message_masked(caplog):
    with caplog.at_level(logging.INFO, logger="jishi"):
        logging.getLogger("jishi").info("buyer %s asked for %s", "13800138000", "11010519491231002X")
    assert caplog.records[-1].getMessage() == "buyer 138****8000 asked for 110105********002X"
