"""``/c/<token>``: the runner's check-in page, linked from every calendar event.

The token in the URL is the runner's only credential (no account, no cookie). The form still
carries a CSRF value, an HMAC of the token's hash under the app secret: stateless, the same
in every server process, and impossible to produce without knowing the link.

Unknown and revoked tokens get the same 404 page after the same lookup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from rehabplan.errors import Problem
from rehabplan.models.plan import Plan
from rehabplan.progression import CheckIn, explain
from rehabplan.progression import Decision as Dec
from rehabplan.screening import SIGNS
from rehabplan.server.plans import (
    PlanNotActive,
    load_plan,
    load_profile,
    load_referral,
    local_today,
    record_checkin,
)
from rehabplan.tokens import token_hash
from rehabplan.validation import problems_from
from rehabplan.vocab import RedFlag

RECENT_DAYS = 14
MAX_TOKEN_CHARS = 128


def _web(request: Request) -> Any:
    return request.app.state.web


def _form_key(secret: str, digest: str) -> str:
    return hmac.new(secret.encode(), f"checkin-form|{digest}".encode(), hashlib.sha256).hexdigest()


def _lookup(request: Request) -> tuple[Any, str]:
    web = _web(request)
    token = request.path_params["token"][:MAX_TOKEN_CHARS]
    digest = token_hash(token)
    patient = web.store.patient_for_token(digest, "checkin")
    if patient is None:
        raise HTTPException(404)
    return patient, digest


def _recent(plan: Plan, today: dt.date) -> list[Any]:
    """Sessions the runner may report: the last two weeks up to and including today."""
    since = today - dt.timedelta(days=RECENT_DAYS)
    return [s for s in plan.sessions if since <= s.date <= today]


def _questions() -> list[tuple[str, str]]:
    return [(flag.value, SIGNS[flag].finding) for flag in RedFlag]


async def _closed_page(request: Request, patient: Any) -> Response:
    """A stopped plan: no form, the referral advice instead."""
    web = _web(request)
    current = await run_in_threadpool(web.store.current_version, patient.id)
    return web.page(
        request, "checkin_closed.html.j2", {"referral": load_referral(current)}, clinician=False
    )


def _form_page(
    request: Request,
    digest: str,
    sessions: list[Any],
    *,
    chosen: str | None,
    values: dict[str, Any],
    errors: list[str],
    upcoming: list[Any],
    status: int = 200,
) -> Response:
    web = _web(request)
    context = {
        "sessions": sessions,
        "chosen": chosen,
        "questions": _questions(),
        "form_key": _form_key(web.secret_key, digest),
        "values": values,
        "errors": errors,
        "upcoming": upcoming,
    }
    return web.page(request, "checkin.html.j2", context, status=status, clinician=False)


async def _reportable(patient: Any, request: Request) -> tuple[Plan, dt.date, list[Any]] | None:
    """The active plan, the runner's local today and the sessions they may report; None if
    the plan has been stopped (red flag at a check-in or a referral at re-generation)."""
    if patient.status != "active":
        return None
    current = await run_in_threadpool(_web(request).store.current_version, patient.id)
    plan = load_plan(current)
    assert plan is not None
    today = local_today(load_profile(patient))
    return plan, today, _recent(plan, today)


async def checkin_page(request: Request) -> Response:
    patient, digest = await run_in_threadpool(_lookup, request)
    open_plan = await _reportable(patient, request)
    if open_plan is None:
        return await _closed_page(request, patient)
    plan, today, sessions = open_plan
    wanted = request.query_params.get("session") or request.query_params.get("s")
    chosen = wanted if any(s.uid == wanted for s in sessions) else None
    if chosen is None and sessions:
        chosen = sessions[-1].uid
    upcoming = [s for s in plan.sessions if s.date > today][:3]
    return _form_page(
        request, digest, sessions, chosen=chosen, values={}, errors=[], upcoming=upcoming
    )


def _int_or_none(value: object) -> object:
    text = str(value or "").strip()
    return None if text in ("", "unknown") else text


async def checkin_submit(request: Request) -> Response:
    web = _web(request)
    patient, digest = await run_in_threadpool(_lookup, request)
    form = await request.form()
    submitted = str(form.get("form_key") or "")
    if not hmac.compare_digest(submitted.encode(), _form_key(web.secret_key, digest).encode()):
        raise HTTPException(403, "This form was not sent from your check-in page. Open the "
                                 "link from your calendar again.")  # fmt: skip
    open_plan = await _reportable(patient, request)
    if open_plan is None:
        return await _closed_page(request, patient)
    _, today, sessions = open_plan
    uid = str(form.get("session") or "")
    session = next((s for s in sessions if s.uid == uid), None)
    values = {k: str(v) for k, v in form.items()}
    values["red_flags"] = [str(v) for v in form.getlist("red_flags")]
    errors: list[str] = []
    red_flags = [str(v) for v in form.getlist("red_flags")]
    if session is None and not red_flags:
        errors.append("Choose the session you are reporting.")
    entry = None
    if not errors:
        try:
            entry = CheckIn.model_validate(
                {
                    "session_uid": session.uid if session else None,
                    "date": (session.date if session else today).isoformat(),
                    "status": str(form.get("status") or ""),
                    "pain_during": _int_or_none(form.get("pain_during")),
                    "pain_next_morning": _int_or_none(form.get("pain_next_morning")),
                    "swelling": form.get("swelling") == "yes",
                    "red_flags": red_flags,
                    "note": str(form.get("note") or "").strip() or None,
                }
            )
        except ValidationError as e:
            errors += [_for_runner(p) for p in problems_from(e, "check-in")]
    if errors or entry is None:
        return _form_page(
            request, digest, sessions, chosen=uid, values=values, errors=errors, upcoming=[],
            status=422,
        )  # fmt: skip
    try:
        result = await run_in_threadpool(record_checkin, web.store, patient.id, entry, web.core)
    except PlanNotActive:  # stopped by a concurrent check-in or a re-generation
        return await _closed_page(request, patient)
    decision = Dec(result.decision)
    upcoming = []
    if result.plan is not None and decision is not Dec.STOP:
        upcoming = [s for s in result.plan.sessions if s.date >= result.replan_from][:3]
    return web.page(
        request,
        "checkin_done.html.j2",
        {
            "decision": decision.value,
            "message": explain(decision),
            "referral": result.referral,
            "upcoming": upcoming,
        },
        clinician=False,
    )


def routes() -> list[Route]:
    return [
        Route("/c/{token}", checkin_page, methods=["GET"]),
        Route("/c/{token}", checkin_submit, methods=["POST"]),
    ]


# The check-in form's questions, as the runner read them (not the field names).
_QUESTIONS = {
    "pain_during": "Pain during the session",
    "pain_next_morning": "Pain the next morning",
    "red_flags": "Warning signs",
    "note": "Your note",
    "swelling": "Swelling",
}


def _for_runner(problem: Problem) -> str:
    field = problem.field.split(".")[0].split("[")[0]
    if field == "status":
        return "Choose whether you did the session or skipped it."
    question = _QUESTIONS.get(field)
    return f"{question}: {problem.message}" if question else problem.message
