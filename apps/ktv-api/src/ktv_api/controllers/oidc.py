"""``/auth/login/oidc`` and ``/auth/callback``: single sign-on through an OIDC provider.

The login route sends the browser to the provider with a fresh ``state``,
``nonce`` and PKCE challenge, keeping them in a sealed, HttpOnly cookie
(``Path=/api/v1/auth``, ten minutes). The callback checks and clears that
cookie whatever the outcome, lets ``ktv_auth.OidcClient`` exchange the code and
validate the ID token, maps the identity to an account and answers with our
token: a redirect to ``OIDC_POST_LOGIN_REDIRECT`` carrying it in the URL
fragment, or JSON like ``/auth/login`` when that is unset. Failures redirect
there too (``#error=...&error_description=...``), or are RFC 9457 problems.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import structlog
from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.response import Redirect

from ktv_auth import FLOW_MAX_AGE, OidcClient
from ktv_domain import (
    AccountLinkRefused,
    DomainError,
    NotFound,
    OidcError,
    RegistrationClosed,
)

from ..dto.auth import TokenOut
from ..problems import exception_handlers, problem_responses
from ..state import Ktv, KtvDep, client_address

__all__ = ["FLOW_COOKIE", "FLOW_COOKIE_PATH", "OidcController"]

FLOW_COOKIE = "ktv_oidc_flow"
FLOW_COOKIE_PATH = "/api/v1/auth"
_BUCKET = "oidc"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_log = structlog.get_logger("ktv.oidc")

_REDIRECT = ResponseSpec(None, description="To the identity provider, or (callback, with "
                         "`OIDC_POST_LOGIN_REDIRECT` set) to the front end with "
                         "`#access_token=...&token_type=Bearer&expires_in=...` or "
                         "`#error=...&error_description=...` in the URL fragment")


def _client(ktv: Ktv) -> OidcClient:
    if ktv.oidc is None:
        raise NotFound("single sign-on (OIDC) is not configured on this server")
    return ktv.oidc


class OidcController(Controller):
    path = "/auth"
    tags = ["auth"]

    @get("/login/oidc", summary="Start single sign-on at the identity provider",
         status_code=302,
         responses={302: _REDIRECT, **problem_responses(404, 429, 503)})
    async def login(self, request: Request[Any, Any, Any], ktv: KtvDep) -> Response[Any]:
        """Redirects to the provider's authorization endpoint (code flow, PKCE S256) and
        sets a short-lived sealed cookie holding the flow's state. 404 when OIDC is not
        configured; 503 while the provider has not been reached."""
        oidc = _client(ktv)
        ktv.limiter.hit(_BUCKET, client_address(request))
        try:
            url, sealed = oidc.start()
        except DomainError as exc:
            return _failure(request, ktv, exc)
        response: Response[Any] = Redirect(url, status_code=302, headers=_NO_STORE)
        response.set_cookie(FLOW_COOKIE, sealed, max_age=int(FLOW_MAX_AGE.total_seconds()),
                            path=FLOW_COOKIE_PATH, secure=ktv.settings.secure_cookie,
                            httponly=True, samesite="lax")
        return response

    @get("/callback", summary="Finish single sign-on (the provider redirects here)",
         responses={200: ResponseSpec(TokenOut, description="Signed in (no "
                                      "`OIDC_POST_LOGIN_REDIRECT` set)"),
                    302: _REDIRECT, **problem_responses(400, 403, 404, 409, 429, 503)})
    async def callback(
        self, request: Request[Any, Any, Any], ktv: KtvDep,
        code: Annotated[str | None, QueryParameter(
            description="The authorization code")] = None,
        flow_state: Annotated[str | None, QueryParameter(
            name="state",
            description="Must equal the state this browser's sign-in started with")] = None,
        error: Annotated[str | None, QueryParameter(
            description="The provider's refusal (e.g. `access_denied`)")] = None,
        iss: Annotated[str | None, QueryParameter(
            description="The provider's issuer (RFC 9207), checked when present")] = None,
    ) -> Response[Any]:
        """Checks the state (cookie against query, constant time, at most ten minutes
        old; a replayed callback has no cookie), exchanges the code, validates the ID
        token (signature, issuer, audience, expiry, nonce), then finds the account by
        the provider's subject, else links a verified email to an existing account, else
        creates one (403 when registration is closed; 409 when the email belongs to an
        account that cannot be linked). The flow cookie is cleared in every answer."""
        oidc = _client(ktv)
        ktv.limiter.hit(_BUCKET, client_address(request))
        params = {k: v for k, v in (("code", code), ("state", flow_state), ("error", error),
                                    ("iss", iss)) if v is not None}
        try:
            identity = await oidc.finish(request.cookies.get(FLOW_COOKIE), params)
            user = await ktv.users.login_oidc(identity.issuer, identity.subject,
                                              identity.email, identity.email_verified)
        except DomainError as exc:
            return _failure(request, ktv, exc)
        ktv.auth.forget(user.id)  # the account may have just been linked: no stale copy
        token = ktv.tokens.issue(user)
        _log.info("oidc sign-in", user_id=str(user.id))
        target = ktv.settings.oidc_post_login_redirect
        response: Response[Any]
        if target:
            fragment = urlencode({"access_token": token.token, "token_type": "Bearer",
                                  "expires_in": token.expires_in})
            response = Redirect(f"{target}#{fragment}", status_code=302, headers=_NO_STORE)
        else:
            response = Response(TokenOut.of(token), status_code=200, headers=_NO_STORE)
        _clear(response, ktv)
        return response


def _clear(response: Response[Any], ktv: Ktv) -> None:
    response.set_cookie(FLOW_COOKIE, "", max_age=0, expires=0, path=FLOW_COOKIE_PATH,
                        secure=ktv.settings.secure_cookie, httponly=True, samesite="lax")


def _code(exc: DomainError) -> str:
    if isinstance(exc, OidcError):
        return exc.code
    if isinstance(exc, RegistrationClosed):
        return "registration_closed"
    if isinstance(exc, AccountLinkRefused):
        return "account_link_refused"
    return "access_denied"


def _failure(request: Request[Any, Any, Any], ktv: Ktv, exc: DomainError) -> Response[Any]:
    """The redirect (``OIDC_POST_LOGIN_REDIRECT`` set) or problem answer for ``exc``,
    with the flow cookie cleared."""
    _log.info("oidc sign-in failed", reason=_code(exc), detail=exc.message)
    target = ktv.settings.oidc_post_login_redirect
    response: Response[Any]
    if target:
        fragment = urlencode({"error": _code(exc), "error_description": exc.message})
        response = Redirect(f"{target}#{fragment}", status_code=302, headers=_NO_STORE)
    else:
        # Everything else maps like any domain error (the app's one mapping).
        response = exception_handlers[DomainError](request, exc)
    _clear(response, ktv)
    return response
