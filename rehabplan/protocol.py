"""Loading the phase model (``exercises/protocol.yaml``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import ValidationError

from rehabplan.errors import InputError
from rehabplan.models.protocol import Protocol
from rehabplan.paths import protocol_file
from rehabplan.validation import problems_from, read_mapping


def load_protocol(path: Path | None = None) -> Protocol:
    path = Path(path) if path is not None else protocol_file()
    data = read_mapping(path)
    try:
        return Protocol.model_validate(data)
    except ValidationError as e:
        raise InputError(problems_from(e, str(path))) from None


@cache
def default_protocol() -> Protocol:
    return load_protocol()
