"""Where the shipped data lives, for a source checkout and for an installed wheel alike.

A wheel carries ``templates/`` and ``exercises/`` inside the package as ``rehabplan/_data``;
a checkout (or an editable install) keeps them at the top of the repository. Looking in the
package first means an installed copy never picks up a stray checkout by accident.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """Return the directory holding the shipped ``name`` data (``templates`` or ``exercises``)."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"rehabplan's {name}/ directory is missing; reinstall the package (pip install rehabplan)"
    )


def exercises_dir() -> Path:
    return data_dir("exercises")


def templates_dir() -> Path:
    return data_dir("templates")


def protocol_file() -> Path:
    return exercises_dir() / "protocol.yaml"
