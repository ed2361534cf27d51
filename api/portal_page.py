"""The customer's payment portal: ``/pay/{token}``, its PDFs and its answers, on the same app.

No sign-in: the signed link is the key, and it opens one customer's account alone (every
invoice, PDF and answer is looked up within the customer the link names). A link that is
tampered with, expired or revoked gets a polite page saying how to get a new one. Pages carry
the workspace's security headers (strict CSP, no framing, no caching) plus ``noindex``; forms
carry a double-submit CSRF key; requests are counted per link and per address
(``api.portal_limits``). Nothing personal is logged.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from babel import negotiate_locale
from fastapi import APIRouter, FastAPI, Path, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from api import portal_staff
from api.deps import ContextDep
from api.policy_state import ServedPolicy
from api.portal_answers import AnswerRefusedError, answer_from_form, thanks
from api.portal_documents import invoice_pdf, logo_bytes, statement_pdf
from api.portal_limits import PortalGuard
from api.portal_view import NotInLedgerError, PortalAccount, portal_account
from api.portal_words import LANGUAGES, Speaker
from api.web.security import is_https, same_key
from api.web.templating import Pages
from delivery.notices import dispute_notice
from engine.tools.today import day_at
from store.notes import new_key
from store.portal_answers import answer_exists, answers_of, record_answer, record_visit
from store.portal_links import LinkClaim, LinkRefusedError, PortalLinks, check_revoked

router = APIRouter(include_in_schema=False)
CSRF_COOKIE = "dunning_portal"
CSRF_FIELD = "csrf"
# Any text reaches the route (a bad one gets the polite page, not a validation error); longer
# than any token we make is refused before it is read.
Token = Annotated[str, Path()]
MAX_TOKEN_CHARS = 400
ROBOTS = "User-agent: *\nDisallow: /pay/\n"
NOINDEX = {"X-Robots-Tag": "noindex, nofollow, noarchive"}


@dataclass(slots=True)
class PortalState:
    """What the portal's routes share: the link maker (None: no portal set up), the clock and
    the request counter."""

    links: PortalLinks | None
    guard: PortalGuard
    clock: Callable[[], float] = time.time


def install_portal(app: FastAPI, links: PortalLinks | None) -> None:
    """Add the portal's routes to ``app``, and staff's page of the answers that wait."""
    app.state.portal = PortalState(links, PortalGuard(), links.clock if links else time.time)
    app.include_router(router)
    app.include_router(portal_staff.router)


def _state(request: Request) -> PortalState:
    state: PortalState = request.app.state.portal
    return state


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _browser_language(request: Request) -> str:
    header = request.headers.get("accept-language", "")
    wanted = [part.split(";")[0].strip().replace("-", "_") for part in header.split(",")]
    found = negotiate_locale([w for w in wanted if w], list(LANGUAGES))
    return found or "en"


@dataclass(frozen=True, slots=True)
class Opened:
    """A link that opened: whose account, the day, the policy."""

    claim: LinkClaim
    served: ServedPolicy
    day: date


async def _open(
    request: Request, context: Any, token: str, *, answer: bool = False
) -> Opened | Response:
    """Return the opened link, or the page to answer instead (too many requests, refused)."""
    state = _state(request)
    if not state.guard.admit(token[:MAX_TOKEN_CHARS], _address(request), answer=answer):
        return _too_many(request)
    if state.links is None or len(token) > MAX_TOKEN_CHARS:
        return await _refused(request, context, "invalid")
    try:
        claim = state.links.read(token)
    except LinkRefusedError as refused:
        return await _refused(request, context, refused.problem)

    def revoked() -> None:
        with context.engine.connect() as conn:
            check_revoked(conn, claim)

    try:
        await run_in_threadpool(revoked)
    except LinkRefusedError as refused:
        return await _refused(request, context, refused.problem)
    served = await run_in_threadpool(context.policies.current)
    if served is None:
        return _unavailable(request)
    return Opened(claim, served, day_at(served.policy.timezone, state.clock()))


@router.get("/robots.txt")
async def robots() -> Response:
    """Return the crawlers' rules: nothing under /pay/ is to be indexed."""
    return PlainTextResponse(ROBOTS)


@router.get("/pay/{token}")
async def portal_page(request: Request, context: ContextDep, token: Token) -> Response:
    """Return the customer's account page."""
    opened = await _open(request, context, token)
    if isinstance(opened, Response):
        return opened
    claim, day = opened.claim, opened.day

    def read() -> tuple[PortalAccount, Any]:
        account = portal_account(context.engine, opened.served, claim.customer_id, day)
        with context.engine.connect() as conn:
            record_visit(conn, claim.customer_id, claim.action_id, day)
            answered = request.query_params.get("answered")
            found = None
            if answered:
                found = next(
                    (a for a in answers_of(conn, claim.customer_id) if a.id == answered), None
                )
        return account, found

    try:
        account, answered = await run_in_threadpool(read)
    except NotInLedgerError:
        return await _refused(request, context, "revoked")
    return _account_page(request, token, account, thanks_for=answered)


def _account_page(
    request: Request,
    token: str,
    account: PortalAccount,
    *,
    thanks_for: Any = None,
    problem: str = "",
    form: FormData | None = None,
    status: int = 200,
) -> Response:
    say = account.speaker()
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = _pages(request).render(
        "portal/account.html",
        {
            "say": say,
            "account": account,
            "token": token,
            "csrf": csrf,
            "key": new_key(),
            "thanks": thanks(say, thanks_for) if thanks_for is not None else "",
            "problem": problem,
            "form": form if form is not None else {},
            "kind": form.get("kind", "") if form is not None else "",
        },
        status,
    )
    response.headers.update(NOINDEX)
    response.set_cookie(
        CSRF_COOKIE, csrf, max_age=4 * 3600, path="/pay/", httponly=True, samesite="strict",
        secure=is_https(request),
    )  # fmt: skip
    return response


@router.post("/pay/{token}/answer")
async def portal_answer(request: Request, context: ContextDep, token: Token) -> Response:
    """Record the customer's answer, then show the page with thanks (or what to fix)."""
    opened = await _open(request, context, token, answer=True)
    if isinstance(opened, Response):
        return opened
    form = await request.form()
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = form.get(CSRF_FIELD)
    claim, day = opened.claim, opened.day
    key = form.get("key")

    def read() -> tuple[PortalAccount, bool]:
        account = portal_account(context.engine, opened.served, claim.customer_id, day)
        if not isinstance(key, str) or not key:
            return account, False
        with context.engine.connect() as conn:
            return account, answer_exists(conn, key, claim.customer_id)

    account, again = await run_in_threadpool(read)
    say = account.speaker()
    if not cookie or not isinstance(sent, str) or not same_key(sent, cookie):
        return _account_page(request, token, account, problem=say("form_expired"), status=403)
    if again:
        # The same form sent again (a double click, a retry): the answer given stands.
        return RedirectResponse(f"/pay/{token}?answered={key}#answered", status_code=303)
    try:
        answer = answer_from_form(account, claim, form, day, say)
    except AnswerRefusedError as refused:
        return _account_page(request, token, account, problem=refused.words, form=form, status=422)

    notice = None
    if answer.kind == "dispute":
        # The owner hears of it by email (queued with the dispute, sent by `dunning send`).
        notice = dispute_notice(
            opened.served.policy,
            owner=account.owner,
            customer_id=account.customer_id,
            customer_name=account.customer_name,
            invoice_id=answer.invoice_ids[0],
            reason=Speaker("en", None).reason(answer.reason),
            text=answer.text,
            day=day,
            answer_key=answer.key,
        )

    def write() -> str:
        with context.engine.connect() as conn:
            key, _ = record_answer(conn, answer, notice=notice)
        return key

    async with context.writes.slot():
        key = await run_in_threadpool(write)
    context.ledger.written()
    return RedirectResponse(f"/pay/{token}?answered={key}#answered", status_code=303)


@router.get("/pay/{token}/statement.pdf")
async def portal_statement(request: Request, context: ContextDep, token: Token) -> Response:
    """Return the statement of account as a PDF."""
    opened = await _open(request, context, token)
    if isinstance(opened, Response):
        return opened

    def make() -> bytes:
        account = portal_account(
            context.engine, opened.served, opened.claim.customer_id, opened.day
        )
        return statement_pdf(account, logo_bytes(context.settings.repo, opened.served))

    pdf = await run_in_threadpool(make)
    return _pdf(pdf, f"statement-{opened.day.isoformat()}.pdf")


@router.get("/pay/{token}/invoices/{invoice_id}.pdf")
async def portal_invoice(
    request: Request, context: ContextDep, token: Token, invoice_id: Annotated[str, Path()]
) -> Response:
    """Return a copy of one of the customer's open invoices as a PDF."""
    opened = await _open(request, context, token)
    if isinstance(opened, Response):
        return opened

    def make() -> bytes | None:
        account = portal_account(
            context.engine, opened.served, opened.claim.customer_id, opened.day
        )
        # Only the link's own customer's open invoices: any other id is simply not found.
        if invoice_id not in account.open_invoice_ids:
            return None
        return invoice_pdf(account, invoice_id, logo_bytes(context.settings.repo, opened.served))

    pdf = await run_in_threadpool(make)
    if pdf is None:
        return _not_found(request)
    return _pdf(pdf, f"invoice-{invoice_id}.pdf")


@router.get("/portal/logo")
async def portal_logo(request: Request, context: ContextDep) -> Response:
    """Return the company's logo from the policy in force (404 without one)."""
    served = context.policies.served()
    found = logo_bytes(context.settings.repo, served) if served else None
    if found is None:
        return PlainTextResponse("no logo", status_code=404)
    content, media_type = found
    return Response(content, media_type=media_type, headers={"Cache-Control": "max-age=3600"})


def _pdf(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', **NOINDEX},
    )


async def _refused(request: Request, context: Any, problem: str) -> Response:
    say = Speaker(_browser_language(request))
    served = context.policies.served()
    company = served.policy.payment.company if served and served.policy.payment else None
    email = (company.reply_to or company.email or "") if company else ""
    phone = say("refused_phone", phone=company.phone) if company and company.phone else ""
    status = 403 if problem == "invalid" else 410
    response = _pages(request).render(
        "portal/refused.html",
        {
            "say": say,
            "company": company,
            "why": say(f"refused_{problem}"),
            "help": say("refused_help", email=email, phone=phone),
        },
        status,
    )
    response.headers.update(NOINDEX)
    return response


def _too_many(request: Request) -> Response:
    return _notice(request, "too_many", 429, {"Retry-After": "60"})


def _not_found(request: Request) -> Response:
    return _notice(request, "refused_invalid", 404, {})


def _unavailable(request: Request) -> Response:
    return _notice(request, "unavailable", 503, {"Retry-After": "60"})


def _notice(request: Request, words: str, status: int, headers: dict[str, str]) -> Response:
    """Return a short page saying ``words`` in the browser's language, with ``status``."""
    say = Speaker(_browser_language(request))
    body = _pages(request).env.get_template("portal/refused.html").render(
        say=say, company=None, why=say(words), help=""
    )
    return HTMLResponse(body, status_code=status, headers={**headers, **NOINDEX})
