"""An OpenID Connect relying party: the authorization code flow with PKCE.

:class:`OidcClient` talks to one provider over an injected ``httpx.AsyncClient``:

1. **Discovery** (:meth:`OidcClient.discover`, retried by :meth:`run_discovery`)
   reads ``{issuer}/.well-known/openid-configuration``; the document's ``issuer``
   must equal the configured one. The provider's JWKS is fetched then and
   cached, and fetched again once when an ID token names an unknown ``kid``
   (key rotation).
2. **Authorization** (:meth:`authorization_request`): ``response_type=code``,
   scope ``openid email profile``, PKCE S256, fresh random ``state`` and
   ``nonce``. The returned :class:`FlowState` is what the caller keeps (sealed
   in a cookie) until the callback.
3. **Callback** (:meth:`complete`): the provider's ``error``, the flow's age
   and the ``state`` (constant-time) are checked before the code is exchanged
   (``client_secret_basic`` or ``client_secret_post`` as the provider supports;
   a public client sends only its id). The ID token is validated
   (:class:`IdTokenValidator`) and the email is taken from it, else from the
   userinfo endpoint.

Every refusal is ``ktv_domain.OidcError`` with a short ``code``; a provider that
cannot be reached or answers 5xx is ``ktv_domain.OidcUnavailable``. Time comes
from the injected ``Clock``. The client secret, codes and tokens are never
logged and appear in no ``repr``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final
from urllib.parse import quote_plus, urlencode, urlsplit

import httpx
from joserfc.jwk import KeySet

from ktv_domain import Clock, OidcError, OidcUnavailable

from .id_token import IdTokenValidator, JwksSource, parse_key_set
from .sealing import Sealer

__all__ = ["FLOW_MAX_AGE", "SCOPES", "AuthorizationRequest", "FlowState", "OidcClient",
           "OidcIdentity", "OidcSettings", "ProviderMetadata", "pkce_challenge"]

SCOPES: Final = ("openid", "email", "profile")
#: How long a started sign-in may take before its state is refused.
FLOW_MAX_AGE: Final = timedelta(minutes=10)
_MAX_DOCUMENT_BYTES: Final = 512 * 1024
#: A flow "created" slightly in the future (replicas' clocks differ) is still accepted.
_CLOCK_SKEW_SECONDS: Final = 60
#: Provider ``error`` codes are echoed only when they look like OAuth error codes.
_SAFE_CODE_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyz_")


@dataclass(frozen=True, slots=True, kw_only=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    redirect_url: str
    #: Another accepted ``aud`` value besides the client id (``OIDC_RESOURCE_ID``).
    resource_id: str | None = None
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if not self.issuer or not self.client_id or not self.redirect_url:
            raise ValueError("OIDC needs an issuer, a client id and a redirect URL")


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderMetadata:
    """The parts of the discovery document this client uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None = None
    token_auth_methods: tuple[str, ...] = ("client_secret_basic",)
    id_token_algorithms: tuple[str, ...] = ("RS256",)


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowState:
    """What a started sign-in must remember until the callback (kept in a sealed cookie)."""

    state: str = field(repr=False)
    verifier: str = field(repr=False)
    nonce: str = field(repr=False)
    #: Unix seconds, from the injected clock.
    created_at: int

    def to_bytes(self) -> bytes:
        return json.dumps({"s": self.state, "v": self.verifier, "n": self.nonce,
                           "t": self.created_at}, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> FlowState:
        """The flow in ``raw``; OidcError("invalid_state") when it is not one."""
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise OidcError("the sign-in state is not valid", code="invalid_state") from exc
        if not isinstance(data, dict):
            raise OidcError("the sign-in state is not valid", code="invalid_state")
        s, v, n, t = (data.get(k) for k in ("s", "v", "n", "t"))
        if not (isinstance(s, str) and isinstance(v, str) and isinstance(n, str)
                and isinstance(t, int) and not isinstance(t, bool) and s and v and n):
            raise OidcError("the sign-in state is not valid", code="invalid_state")
        return cls(state=s, verifier=v, nonce=n, created_at=t)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizationRequest:
    url: str
    flow: FlowState


@dataclass(frozen=True, slots=True, kw_only=True)
class OidcIdentity:
    """Who the provider says signed in."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool


class OidcClient(JwksSource):
    """One provider, discovered once (or retried until it answers)."""

    def __init__(self, settings: OidcSettings, http: httpx.AsyncClient, clock: Clock,
                 *, sealer: Sealer | None = None) -> None:
        self._settings = settings
        self._sealer = sealer
        self._http = http
        self._clock = clock
        self._metadata: ProviderMetadata | None = None
        self._jwks: KeySet | None = None
        self._status = "not discovered yet"
        self._validator = IdTokenValidator(
            issuer=settings.issuer, audiences=_audiences(settings), source=self, clock=clock)

    def __repr__(self) -> str:
        return f"OidcClient(issuer={self._settings.issuer!r}, status={self._status!r})"

    @property
    def ready(self) -> bool:
        return self._metadata is not None

    @property
    def status(self) -> str:
        """``ok``, or why discovery has not succeeded (for health checks; no secrets)."""
        return self._status

    # -- discovery ---------------------------------------------------------------

    async def discover(self) -> ProviderMetadata:
        """Fetch and check the discovery document and the JWKS; remember both."""
        try:
            url = self._settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
            document = await self._get_json(url)
            metadata = _metadata(document, self._settings.issuer)
            jwks = parse_key_set(await self._get_json(metadata.jwks_uri))
        except OidcError as exc:
            self._status = f"unavailable: {exc.message}"
            raise
        self._metadata, self._jwks = metadata, jwks
        # The document's exact spelling (a trailing slash or not) is what ID tokens carry.
        self._validator = IdTokenValidator(
            issuer=metadata.issuer, audiences=_audiences(self._settings), source=self,
            clock=self._clock, algorithms=metadata.id_token_algorithms)
        self._status = "ok"
        return metadata

    async def run_discovery(self, *, first_delay: float = 1.0, max_delay: float = 60.0,
                            on_failure: Callable[[OidcError, float], None] | None = None,
                            ) -> None:
        """Discover, retrying with exponential backoff until it succeeds (a background
        task); ``on_failure(error, seconds_to_next_try)`` hears of every failed try."""
        delay = first_delay
        while True:
            try:
                await self.discover()
                return
            except OidcError as exc:
                if on_failure is not None:
                    on_failure(exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, max_delay)

    async def key_set(self, *, refresh: bool) -> KeySet:
        """The provider's JWKS: cached, or fetched again when ``refresh`` (unknown kid)."""
        metadata = self._require()
        if refresh or self._jwks is None:
            self._jwks = parse_key_set(await self._get_json(metadata.jwks_uri))
        return self._jwks

    def _require(self) -> ProviderMetadata:
        if self._metadata is None:
            raise OidcUnavailable("the identity provider has not been reached yet "
                                  f"({self._status}); try again shortly")
        return self._metadata

    # -- the flow, with its state sealed for a cookie ------------------------------

    def start(self) -> tuple[str, str]:
        """The authorization URL and the sealed flow state to keep in a cookie."""
        request = self.authorization_request()
        return request.url, self._need_sealer().seal(request.flow.to_bytes())

    async def finish(self, sealed: str | None, params: Mapping[str, str]) -> OidcIdentity:
        """:meth:`complete` with the flow state :meth:`start` sealed; a missing, tampered
        or undecodable one is OidcError("invalid_state")."""
        self._require()
        # The provider's own refusal says more than a missing cookie does.
        _raise_provider_error(params)
        raw = self._need_sealer().open(sealed)
        if raw is None:
            raise OidcError("the sign-in cookie is missing, expired or not valid (a replayed "
                            "or foreign callback?); start the sign-in again",
                            code="invalid_state")
        return await self.complete(FlowState.from_bytes(raw), params)

    def _need_sealer(self) -> Sealer:
        if self._sealer is None:
            raise RuntimeError("OidcClient needs a sealer for start() and finish()")
        return self._sealer

    # -- the flow ----------------------------------------------------------------

    def authorization_request(self) -> AuthorizationRequest:
        """Where to send the browser, and what to remember until it comes back."""
        metadata = self._require()
        flow = FlowState(state=secrets.token_urlsafe(32), verifier=secrets.token_urlsafe(64),
                         nonce=secrets.token_urlsafe(32),
                         created_at=int(self._clock.now().timestamp()))
        query = urlencode({
            "response_type": "code", "client_id": self._settings.client_id,
            "redirect_uri": self._settings.redirect_url, "scope": " ".join(SCOPES),
            "state": flow.state, "nonce": flow.nonce,
            "code_challenge": pkce_challenge(flow.verifier), "code_challenge_method": "S256",
        })
        endpoint = metadata.authorization_endpoint
        separator = "&" if urlsplit(endpoint).query else "?"
        return AuthorizationRequest(url=f"{endpoint}{separator}{query}", flow=flow)

    async def complete(self, flow: FlowState, params: Mapping[str, str]) -> OidcIdentity:
        """Check the callback's ``params`` against ``flow``, exchange the code, validate
        the ID token; who signed in."""
        metadata = self._require()
        _raise_provider_error(params)
        iss = params.get("iss")
        if iss is not None and iss != metadata.issuer:
            # RFC 9207: the answer comes from another provider (a mix-up attack).
            raise OidcError("the callback names another issuer", code="invalid_request")
        age = self._clock.now().timestamp() - flow.created_at
        if not -_CLOCK_SKEW_SECONDS <= age <= FLOW_MAX_AGE.total_seconds():
            raise OidcError("the sign-in took too long; start again", code="invalid_state")
        state = params.get("state") or ""
        if not hmac.compare_digest(state.encode(), flow.state.encode()):
            raise OidcError("the sign-in state does not match; start again",
                            code="invalid_state")
        code_value = params.get("code")
        if not code_value or len(code_value) > 4096:
            raise OidcError("the identity provider sent no authorization code",
                            code="invalid_request")
        tokens = await self._exchange(metadata, code_value, flow.verifier)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise OidcError("the identity provider sent no ID token", code="invalid_id_token")
        claims = await self._validator.validate(id_token, nonce=flow.nonce)
        email, verified = _email(claims)
        access_token = tokens.get("access_token")
        if email is None and metadata.userinfo_endpoint and isinstance(access_token, str):
            email, verified = await self._userinfo(metadata.userinfo_endpoint, access_token,
                                                   claims["sub"])
        return OidcIdentity(issuer=metadata.issuer, subject=claims["sub"], email=email,
                            email_verified=verified)

    async def _exchange(self, metadata: ProviderMetadata, code: str,
                        verifier: str) -> dict[str, Any]:
        form = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": self._settings.redirect_url, "code_verifier": verifier}
        headers = {"Accept": "application/json"}
        secret = self._settings.client_secret
        client_id = self._settings.client_id
        if secret and "client_secret_basic" not in metadata.token_auth_methods \
                and "client_secret_post" in metadata.token_auth_methods:
            form.update(client_id=client_id, client_secret=secret)
        elif secret:
            basic = f"{_form_escape(client_id)}:{_form_escape(secret)}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(basic).decode("ascii")
        else:
            form["client_id"] = client_id
        try:
            response = await self._http.post(metadata.token_endpoint, data=form,
                                             headers=headers, timeout=self._settings.timeout)
        except httpx.HTTPError as exc:
            raise OidcUnavailable("the identity provider's token endpoint cannot be "
                                  f"reached ({type(exc).__name__})") from exc
        if response.status_code >= 500:
            raise OidcUnavailable("the identity provider's token endpoint failed "
                                  f"(HTTP {response.status_code})")
        body = _json_object(response)
        if response.status_code != 200 or body is None:
            reason = body.get("error") if body else None
            raise OidcError("the identity provider refused the authorization code"
                            + (f" ({reason})" if isinstance(reason, str) else ""),
                            code="invalid_grant")
        return body

    async def _userinfo(self, endpoint: str, access_token: str,
                        subject: str) -> tuple[str | None, bool]:
        try:
            response = await self._http.get(
                endpoint, headers={"Authorization": f"Bearer {access_token}",
                                   "Accept": "application/json"},
                timeout=self._settings.timeout)
        except httpx.HTTPError as exc:
            raise OidcUnavailable("the identity provider's userinfo endpoint cannot be "
                                  f"reached ({type(exc).__name__})") from exc
        body = _json_object(response)
        if response.status_code != 200 or body is None:
            return None, False
        # OIDC Core 5.3.2: a userinfo answer for another subject must not be used.
        if body.get("sub") != subject:
            raise OidcError("the userinfo answer is for another subject",
                            code="invalid_userinfo")
        return _email(body)

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self._http.get(url, headers={"Accept": "application/json"},
                                            timeout=self._settings.timeout)
        except httpx.HTTPError as exc:
            raise OidcUnavailable(f"{_origin(url)} cannot be reached "
                                  f"({type(exc).__name__})") from exc
        if response.status_code != 200:
            raise OidcUnavailable(f"{_origin(url)} answered HTTP {response.status_code}")
        body = _json_object(response)
        if body is None:
            raise OidcUnavailable(f"{_origin(url)} did not answer with a JSON object")
        return body


def _raise_provider_error(params: Mapping[str, str]) -> None:
    """OidcError carrying the provider's ``error`` code (when it looks like one)."""
    error = params.get("error")
    if error is None:
        return
    code = error if error and set(error) <= _SAFE_CODE_CHARS and len(error) <= 64 \
        else "provider_error"
    raise OidcError(f"the identity provider refused the sign-in ({code})", code=code)


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 S256: base64url(SHA-256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _audiences(settings: OidcSettings) -> tuple[str, ...]:
    if settings.resource_id and settings.resource_id != settings.client_id:
        return (settings.client_id, settings.resource_id)
    return (settings.client_id,)


def _metadata(document: Mapping[str, Any], issuer: str) -> ProviderMetadata:
    named = document.get("issuer")
    if not isinstance(named, str) or named.rstrip("/") != issuer.rstrip("/"):
        raise OidcUnavailable(f"the discovery document names issuer "
                              f"{str(document.get('issuer'))[:200]!r}, not {issuer!r}; "
                              "check OIDC_ISSUER")
    urls: dict[str, str] = {}
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = document.get(name)
        if not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https"):
            raise OidcUnavailable(f"the discovery document has no valid {name}")
        urls[name] = value
    userinfo = document.get("userinfo_endpoint")
    methods = _strings(document.get("token_endpoint_auth_methods_supported"))
    algorithms = _strings(document.get("id_token_signing_alg_values_supported"))
    return ProviderMetadata(
        issuer=named, userinfo_endpoint=userinfo
        if isinstance(userinfo, str) else None,
        token_auth_methods=methods or ("client_secret_basic",),
        id_token_algorithms=algorithms or ("RS256",), **urls)


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str))


def _email(claims: Mapping[str, Any]) -> tuple[str | None, bool]:
    email = claims.get("email")
    if not isinstance(email, str) or not email:
        return None, False
    verified = claims.get("email_verified")
    # Some providers send the string "true"; anything else is unverified.
    return email, verified is True or verified == "true"


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    if len(response.content) > _MAX_DOCUMENT_BYTES:
        return None
    try:
        body = response.json()
    except (ValueError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


def _form_escape(value: str) -> str:
    """RFC 6749 2.3.1: client id and secret are form-urlencoded inside Basic credentials."""
    return quote_plus(value)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
