"""Every schema the API answers or reads has a name of its own: the OpenAPI document keys its components by class
name, so a second class of the same name silently takes the first one's place (a group buy's members once
described the merchant team's answer)."""

from collections import defaultdict

from pydantic import BaseModel

from jishi.config.api import api


def _models(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_models(sub))
    return found


# Older collisions, noted to be renamed: LineOut (after-sales request lines, ledger journal lines) and the reason
# bodies, whose length limits differ between the documents' one and the route's.
KNOWN = frozenset({"LineOut", "ReasonIn", "RejectIn"})


def test_no_two_api_schemas_share_a_name():
    api.get_openapi_schema()  # imports and builds every route's schemas
    names: dict[str, set[str]] = defaultdict(set)
    for model in _models(BaseModel):
        if model.__module__.startswith("jishi."):
            names[model.__name__].add(model.__module__)
    shared = {name: modules for name, modules in names.items() if len(modules) > 1 and name not in KNOWN}
    assert shared == {}
