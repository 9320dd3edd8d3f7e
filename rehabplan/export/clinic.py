"""The optional clinic config file that brands the handout cover.

Format (YAML or JSON; every field but ``name`` is optional)::

    name: Riverside Sports Physiotherapy
    address:                      # one line per entry
      - 12 Quay Street
      - Dublin D02 XY12
    phone: "+353 1 555 0100"
    email: desk@riverside.example
    website: https://riverside.example
    logo: riverside-logo.svg      # PNG or SVG, path relative to this file

Mistakes are reported like any other input error: the file and the field are named.
"""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from xml.etree import ElementTree

from pydantic import Field, ValidationError

from rehabplan.errors import InputError, Problem
from rehabplan.validation import Strict, problems_from, read_mapping

_LOGO_TYPES = {".png": "image/png", ".svg": "image/svg+xml"}
Line = Annotated[str, Field(min_length=1, max_length=120)]


class ClinicFile(Strict):
    name: Line
    address: Annotated[list[Line], Field(max_length=6)] = Field(default_factory=list)
    phone: Line | None = None
    email: Line | None = None
    website: Line | None = None
    logo: Line | None = None


@dataclass(frozen=True)
class Clinic:
    name: str
    address: tuple[str, ...]
    contact: tuple[str, ...]
    """Phone, email and website, in that order, when given."""
    logo_uri: str | None
    """The logo as a ``data:`` URI, so the HTML stands on its own."""


def load_clinic(path: Path) -> Clinic:
    """Read and check a clinic file; cached per path and modification time."""
    path = Path(path)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        raise InputError([Problem(str(path), "", "file not found")]) from None
    return _load(path.resolve(), stamp)


@lru_cache(maxsize=16)
def _load(path: Path, _stamp: int) -> Clinic:
    source = str(path)
    data = read_mapping(path)
    try:
        spec = ClinicFile.model_validate(data)
    except ValidationError as e:
        raise InputError(problems_from(e, source)) from None
    logo_uri = None
    if spec.logo:
        logo = (path.parent / spec.logo).resolve()
        mime = _LOGO_TYPES.get(logo.suffix.lower())
        if mime is None:
            raise InputError(
                [Problem(source, "logo", f"must be a .png or .svg file, got {spec.logo!r}")]
            )
        try:
            raw = logo.read_bytes()
        except OSError:
            raise InputError(
                [Problem(source, "logo", f"file {spec.logo!r} not found next to the clinic file")]
            ) from None
        problem = _logo_problem(raw, mime)
        if problem:
            raise InputError([Problem(source, "logo", f"{spec.logo!r} {problem}")])
        logo_uri = f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"
    contact = tuple(v for v in (spec.phone, spec.email, spec.website) if v)
    return Clinic(spec.name, tuple(spec.address), contact, logo_uri)


# A logo prints about 5 cm wide: 2,000 pixels is already 1,000 dpi. Bigger files only make
# every handout heavier and every batch worker slower.
LOGO_MAX_PX = 2000
LOGO_MAX_BYTES = 2 * 1024 * 1024


def _logo_problem(raw: bytes, mime: str) -> str | None:
    """What is wrong with the logo's bytes, or None (the suffix alone proves nothing)."""
    if len(raw) > LOGO_MAX_BYTES:
        return f"is {len(raw) // 1024} KB; use a logo under {LOGO_MAX_BYTES // 1024 // 1024} MB"
    if mime == "image/png":
        if raw[:8] != b"\x89PNG\r\n\x1a\n" or raw[12:16] != b"IHDR":
            return "is not a PNG image"
        width, height = struct.unpack(">II", raw[16:24])
        if max(width, height) > LOGO_MAX_PX:
            return (f"is {width}×{height} pixels; scale it to at most {LOGO_MAX_PX} pixels "
                    "on its longer side")  # fmt: skip
        return None
    try:
        root = ElementTree.fromstring(raw)
    except ElementTree.ParseError as e:
        return f"is not a valid SVG file ({e})"
    if not root.tag.endswith("svg"):
        return "is not an SVG image (its first element is not <svg>)"
    return None
