"""Turning pydantic and YAML errors into sentences a physiotherapist can act on.

pydantic's defaults ("Input should be less than or equal to 10") are written for
programmers; clinical users need the field, the allowed range and what they typed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, get_args

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError
from pydantic_core.core_schema import ErrorType

from rehabplan.errors import InputError, Problem


class Strict(BaseModel):
    """Base for data-file models: unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _check_between(lo: float, hi: float):
    def check(value: float) -> float:
        if not lo <= value <= hi:
            raise PydanticCustomError(
                "range",
                "must be between {lo} and {hi}, got {got}",
                {"lo": _num(lo), "hi": _num(hi), "got": _num(value)},
            )
        return value

    return check


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def between(lo: float, hi: float) -> AfterValidator:
    """An ``Annotated`` marker: value must lie in [lo, hi], with a message naming both ends."""
    return AfterValidator(_check_between(lo, hi))


NPRS = Annotated[int, between(0, 10)]
"""Numeric pain rating scale, 0 (no pain) to 10 (worst imaginable)."""


def field_path(loc: tuple[Any, ...]) -> str:
    """``('pain', 'running')`` → ``pain.running``; list indexes as ``days[2]``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith("function-") or str(part) in {"function-after", "json-or-python"}:
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


_BUILTIN_ERRORS = frozenset(get_args(ErrorType))
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _describe(err: dict[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    if kind not in _BUILTIN_ERRORS:
        # Our own PydanticCustomError messages are already written for the reader.
        return str(err.get("msg", "is invalid"))
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        return "is not a known field (check the spelling)"
    if kind in {"enum", "literal_error"}:
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"must be one of {expected}; got {got!r}"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return f"must be a whole number, got {got!r}"
    if kind in {"float_parsing", "float_type"}:
        return f"must be a number, got {got!r}"
    if kind in {"bool_parsing", "bool_type"}:
        return f"must be true or false, got {got!r}"
    if kind.startswith("date") or kind.startswith("datetime"):
        if isinstance(got, str) and _ISO_DATE.match(got.strip()):
            return f"is not a real calendar date (no such day or month), got {got!r}"
        return f"must be a date written YYYY-MM-DD, got {got!r}"
    if kind.startswith("time_"):
        return f"must be a time written HH:MM (24-hour), got {got!r}"
    if kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        op = {
            "greater_than_equal": "at least",
            "greater_than": "more than",
            "less_than_equal": "at most",
            "less_than": "less than",
        }[kind]
        bound = next(iter(ctx.values()), "?")
        return f"must be {op} {bound}, got {got!r}"
    if kind in {"list_type", "dict_type", "model_type", "model_attributes_type"}:
        what = "a list" if kind == "list_type" else "a mapping of fields"
        return f"must be {what}, got {type(got).__name__} {got!r}"
    if kind == "string_pattern_mismatch":
        return f"has an invalid format ({got!r}); expected pattern {ctx.get('pattern')}"
    if kind in {"string_too_long", "too_long"}:
        return f"is too long (at most {ctx.get('max_length')})"
    if kind in {"string_too_short", "too_short"}:
        return f"is too short (at least {ctx.get('min_length')})"
    msg = err.get("msg", "is invalid")
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def problems_from(exc: ValidationError, source: str, prefix: str = "") -> list[Problem]:
    """Every error in ``exc`` as a :class:`Problem`; ``prefix`` roots nested models."""
    out = []
    for err in exc.errors(include_url=False):
        path = field_path(err["loc"])
        if prefix:
            path = f"{prefix}.{path}" if path else prefix
        out.append(Problem(source, path, _describe(err)))
    return out


def read_mapping(path: Path) -> dict[str, Any]:
    """Read a YAML or JSON file that must hold one mapping, with parse errors located."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Problem(source, "", "file not found")]) from None
    except UnicodeDecodeError as e:
        raise InputError([Problem(source, "", f"is not UTF-8 text ({e.reason})")]) from None
    except OSError as e:
        raise InputError([Problem(source, "", f"cannot be read ({e.strerror})")]) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as e:
        raise InputError(
            [Problem(source, "", f"is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})")]
        ) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        reason = getattr(e, "problem", None) or str(e)
        raise InputError([Problem(source, "", f"is not valid YAML{where}: {reason}")]) from None
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise InputError([Problem(source, "", f"must hold a mapping of fields, but it is {kind}")])
    return data
