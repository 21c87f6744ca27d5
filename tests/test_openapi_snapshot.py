"""The public API is the one on record: any change to it shows up as a diff of tests/openapi.json.

After a deliberate change, `make openapi` writes the new document; commit it with the change.
"""

import json
import os
from pathlib import Path

import pytest

SNAPSHOT = Path(__file__).with_name("openapi.json")


@pytest.mark.django_db
def test_the_openapi_document_is_the_one_on_record(client):
    # given the document the server serves
    document = client.get("/api/v1/openapi.json", HTTP_ACCEPT_LANGUAGE="en").json()
    served = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("JISHI_OPENAPI_WRITE") == "1":
        SNAPSHOT.write_text(served, encoding="utf-8")
    # then it matches the record byte for byte
    recorded = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.exists() else ""
    assert served == recorded, "The public API changed: run `make openapi` and commit tests/openapi.json."
