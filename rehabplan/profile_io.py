"""Reading a runner's profile from a YAML or JSON file (or a mapping from CSV/web form).

Every problem is collected and reported with the file and the field, in words a
physiotherapist can act on, so that a mistyped profile is fixed in one pass.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from rehabplan.errors import InputError, Problem
from rehabplan.models.profile import Availability, Pain, Profile, RedFlags
from rehabplan.validation import problems_from, read_mapping

_UNKNOWN_FIELD = "is not a known field (check the spelling)"

# Where each nested mapping of a profile is validated, for "did you mean" hints.
_SECTIONS: dict[str, type[BaseModel]] = {
    "": Profile,
    "pain": Pain,
    "red_flags": RedFlags,
    "availability": Availability,
}


def read_profile(path: Path) -> Profile:
    """Read and validate one profile file; raise InputError naming the file and every field."""
    path = Path(path)
    return profile_from_mapping(read_mapping(path), str(path))


def profile_from_mapping(data: dict[str, Any], source: str) -> Profile:
    """Validate a profile given as a mapping; ``source`` names it in messages (file, row)."""
    try:
        return Profile.model_validate(data)
    except ValidationError as e:
        raise InputError([_with_hint(p) for p in problems_from(e, source)]) from None


def _with_hint(problem: Problem) -> Problem:
    """Add the closest known field name to an "unknown field" problem (``conditon`` → condition)."""
    if problem.message != _UNKNOWN_FIELD:
        return problem
    section, _, name = problem.field.rpartition(".")
    model = _SECTIONS.get(section)
    if model is None:
        return problem
    close = difflib.get_close_matches(name, list(model.model_fields), n=1, cutoff=0.6)
    if not close:
        known = ", ".join(model.model_fields)
        return Problem(problem.source, problem.field, f"is not a known field; known: {known}")
    return Problem(
        problem.source, problem.field, f"is not a known field (did you mean {close[0]}?)"
    )
