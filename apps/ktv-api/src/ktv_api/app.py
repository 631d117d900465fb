"""The composition root: ``create_app(settings, ...)`` builds every adapter.

Nothing is constructed at import time. Tests pass fakes through the keyword
overrides; ``ktv serve`` passes none, and the lifespan opens the database
(applying migrations when asked), starts the schedule keeper and the
replica sync, and closes everything on shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import version as package_version
from typing import TypeVar

import anyio.to_thread
import httpx
import structlog
from litestar import Litestar, Router
from litestar.config.cors import CORSConfig
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from sqlalchemy.ext.asyncio import AsyncEngine

from ktv_auth import Argon2PasswordHasher, JwtSettings, JwtTokens, OidcClient, OidcSettings, Sealer
from ktv_domain import Clock, MediaItemId, MediaProvider, OidcError, PasswordHasher, UnitOfWork
from ktv_domain.services import (
    AccountAdmin,
    ChannelService,
    LibraryService,
    ScheduleService,
    UserService,
)
from ktv_jellyfin import JellyfinProvider
from ktv_localmedia import LocalLibrary
from ktv_sql import (
    LeaderLock,
    SqlUnitOfWorkFactory,
    create_engine,
    find_migrations_dir,
    migrate,
    migration_status,
    redact_url,
)

from .channel_links import ChannelLinks
from .controllers.auth import AuthController
from .controllers.channels import ChannelController
from .controllers.feed_tokens import FeedTokensController
from .controllers.hls import HlsSegmentController, IptvHlsController, LiveHlsController
from .controllers.library import LibraryController
from .controllers.live import IptvStreamController, LiveController, StreamsController
from .controllers.media import MediaController
from .controllers.oidc import OidcController
from .controllers.schedule import ScheduleController
from .controllers.system import SystemController, metrics, openapi_json
from .forwarded import ForwardedHeaders
from .iptv.wiring import api_route_handlers, build_iptv, root_route_handlers
from .keeper import Keeper, Leadership
from .library_scans import LocalScans
from .local_files import LocalFiles
from .media_urls import MediaUrls
from .metrics import Metrics
from .middleware import RequestContext
from .onair import OnAir
from .openapi import finish_document
from .player import WATCH_PATH, player_routes, watch_csp
from .problem_guard import ProblemGuard
from .problems import exception_handlers
from .scanning import scanner_for
from .security import Authenticator, RateLimiter
from .settings import Settings
from .signed_links import HLS_LINK_PURPOSE, SignedLinks
from .state import Ktv, LibraryScanner, Readiness, provide_ktv
from .streams import StreamsCollector, build_streams
from .strict import StrictRequest, strict_parameters

__all__ = ["Overrides", "SystemClock", "create_app"]

_log = structlog.get_logger("ktv.app")
T = TypeVar("T")


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


async def to_thread(fn: Callable[[], T]) -> T:
    """The app's CpuRunner: engine runs and password hashing leave the event loop."""
    return await anyio.to_thread.run_sync(fn)


class _AlwaysLeader:
    async def acquire(self) -> bool:
        return True

    async def release(self) -> None:
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Overrides:
    """Adapters a caller (a test, the demo) supplies instead of the configured ones."""

    uow: Callable[[], UnitOfWork] | None = None
    media: MediaProvider | None = None
    media_source: str | None = None
    clock: Clock | None = None
    hasher: PasswordHasher | None = None
    leadership: Leadership | None = None
    #: The HTTP client media adapters use (tests pass one over a fake server's transport).
    http_client: httpx.AsyncClient | None = None
    #: Where local items' files are, for ``/media/{id}/stream`` (tests pass a fake).
    media_files: LocalFiles | None = None
    #: The local library's short/movie duration threshold (the demo's clips are short).
    short_max_secs: float | None = None
    #: The monotonic clock of the user cache (tests step it past its 10 s lifetime).
    monotonic: Callable[[], float] | None = None
    #: How streams wait for the channel's clock (tests run a faster clock and pace with it).
    stream_sleep: Callable[[float], Awaitable[None]] | None = None


def create_app(settings: Settings, *, overrides: Overrides | None = None,
               run_migrations: bool = True, keeper: bool = True,
               sync_interval: float = 2.0, keeper_interval: float = 60.0,
               scan_poll: float = 2.0) -> Litestar:
    """The K-TV app. ``keeper=False`` leaves the background keeper off (tests)."""
    o = overrides or Overrides()
    app_metrics = Metrics()
    live: list[Ktv] = []  # the lifespan's Ktv, for the metrics read at scrape time
    app_metrics.registry.register(StreamsCollector(lambda: live[-1].streams if live else None))

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine: AsyncEngine | None = None
        owned_http: httpx.AsyncClient | None = None
        owned_oidc_http: httpx.AsyncClient | None = None
        tasks: list[asyncio.Task[None]] = []
        local: LocalLibrary | None = None
        ktv_built: Ktv | None = None
        media_urls = MediaUrls.from_settings(settings, o.clock or SystemClock())
        try:
            media, media_source = o.media, o.media_source or ("custom" if o.media else None)
            if media is None and settings.media_source == "jellyfin":
                http = o.http_client
                if http is None:
                    http = owned_http = httpx.AsyncClient()
                media, media_source = _jellyfin(settings, http), "jellyfin"
            oidc_http = None
            if settings.oidc_enabled:
                oidc_http = o.http_client
                if oidc_http is None:
                    oidc_http = owned_oidc_http = httpx.AsyncClient()
            uow = o.uow
            if uow is None:
                engine = create_engine(settings.database_url,
                                       max_connections=settings.db_max_connections,
                                       min_connections=settings.db_min_connections)
                if run_migrations:
                    applied = await migrate(engine, find_migrations_dir(engine.dialect.name))
                    if applied:
                        _log.info("migrations applied", versions=[m.version for m in applied])
                uow = SqlUnitOfWorkFactory(engine)
            if media is None and settings.media_source == "local":
                local = _local(settings, uow, o.clock or SystemClock(), media_urls,
                               o.short_max_secs)
                media, media_source = local, "local"
            leadership = o.leadership or (LeaderLock(engine) if engine is not None
                                          else _AlwaysLeader())
            scanner = scanner_for(settings, media, media_source, local, uow,
                                  o.clock or SystemClock(), leadership, poll=scan_poll)
            ktv = ktv_built = _build(settings, o, uow, engine, app_metrics, media, media_source,
                                     media_urls, oidc_http=oidc_http, local=local,
                                     scanner=scanner)
            app.state.ktv = ktv
            live.append(ktv)
            if isinstance(scanner, LocalScans):
                tasks.append(asyncio.create_task(scanner.run_forever(), name="media-scan"))
            if ktv.oidc is not None:
                first_try = asyncio.Event()
                tasks.append(asyncio.create_task(_discover(ktv.oidc, first_try),
                                                 name="oidc-discovery"))
                # A moment for the provider's first answer; the app starts either way.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(first_try.wait(), timeout=3.0)
            tasks.append(asyncio.create_task(_sync_loop(ktv, sync_interval), name="onair-sync"))
            if keeper:
                k = Keeper(uow, ktv.schedules, ktv.onair, leadership, app_metrics,
                           interval=keeper_interval,
                           ahead=timedelta(days=settings.guide_days))
                tasks.append(asyncio.create_task(k.run_forever(), name="keeper"))
            if settings.media_source and media is None:
                _log.warning("a media source is configured but this build has no adapter "
                             "for it yet; schedule generation answers 503",
                             media_source=settings.media_source)
            _log.info("k-tv started", version=ktv.version, media_source=ktv.media_source,
                      database=redact_url(engine.url) if engine else "(override)")
            yield
        finally:
            if ktv_built is not None:
                await ktv_built.streams.close()
                live.remove(ktv_built)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if local is not None:
                await local.stop()
            if owned_http is not None:
                await owned_http.aclose()
            if owned_oidc_http is not None:
                await owned_oidc_http.aclose()
            if engine is not None:
                await engine.dispose()
            _log.info("k-tv stopped")

    app = Litestar(
        route_handlers=[Router(path="/api/v1", route_handlers=[
            AuthController, OidcController, ChannelController, ScheduleController, SystemController,
            MediaController, LibraryController, FeedTokensController, *api_route_handlers(),
            LiveController, StreamsController, LiveHlsController, HlsSegmentController,
            openapi_json]),
            metrics, *root_route_handlers(), IptvStreamController, IptvHlsController,
            *player_routes()],
        dependencies={"ktv": Provide(provide_ktv, sync_to_thread=False)},
        request_class=StrictRequest,
        guards=[strict_parameters],
        lifespan=[lifespan],
        exception_handlers=exception_handlers,
        cors_config=CORSConfig(
            allow_origins=list(settings.cors_allowed_origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "X-KTV-Offset-Secs", "Retry-After", "Location"],
            max_age=600),
        openapi_config=OpenAPIConfig(
            title="K-TV API", version=_version(), path="/api/v1/docs",
            description="Broadcast-style TV channels from a personal media library.",
            render_plugins=[SwaggerRenderPlugin(path="/")],
            components=Components(security_schemes={"BearerToken": SecurityScheme(
                type="http", scheme="bearer", bearer_format="JWT")}),
            use_handler_docstrings=True),
        request_max_body_size=1024 * 1024,
        logging_config=None,
        debug=False,
    )
    app.asgi_handler = ForwardedHeaders(
        RequestContext(ProblemGuard(app.asgi_handler, lambda: app.routes),
                       app_metrics, hsts=settings.secure_cookie,
                       pages={WATCH_PATH: watch_csp(settings)}),
        settings.forwarded_allow_ips)
    finish_document(app)
    return app


def _local(settings: Settings, uow: Callable[[], UnitOfWork], clock: Clock, urls: MediaUrls,
           short_max_secs: float | None) -> LocalLibrary:
    def stream_url(item_id: MediaItemId, valid_for: timedelta) -> str:
        return urls.url_for(item_id, valid_for=valid_for)

    return LocalLibrary(settings.media_dirs, uow, clock, stream_url=stream_url,
                        short_max_secs=(settings.short_max_secs if short_max_secs is None
                                        else short_max_secs))


def _jellyfin(settings: Settings, http: httpx.AsyncClient) -> JellyfinProvider:
    assert settings.jellyfin_base_url is not None
    assert settings.jellyfin_api_key is not None
    return JellyfinProvider(settings.jellyfin_base_url, settings.jellyfin_api_key,
                            settings.jellyfin_user_id, client=http)


def _build(settings: Settings, o: Overrides, uow: Callable[[], UnitOfWork],
           engine: AsyncEngine | None, app_metrics: Metrics, media: MediaProvider | None,
           media_source: str | None, media_urls: MediaUrls, *,
           oidc_http: httpx.AsyncClient | None = None,
           local: LocalLibrary | None = None,
           scanner: LibraryScanner | None = None) -> Ktv:
    clock = o.clock or SystemClock()
    oidc = _oidc(settings, oidc_http, clock) if oidc_http is not None else None
    hasher = o.hasher or Argon2PasswordHasher()
    users = UserService(uow, hasher, clock, allow_registration=settings.allow_registration,
                        cpu=to_thread)
    tokens = JwtTokens(JwtSettings(secret=settings.jwt_secret,
                                   expiry_hours=settings.jwt_expiry_hours,
                                   issuer=settings.jwt_issuer, audience=settings.jwt_audience),
                       clock)
    schedules = ScheduleService(uow, media, clock,
                                horizon=timedelta(hours=settings.schedule_horizon_hours),
                                cpu=to_thread)
    onair = OnAir(uow, clock)
    channel_links = ChannelLinks.from_settings(settings, clock)

    migrations = find_migrations_dir(engine.dialect.name) if engine is not None else None

    async def readiness() -> Readiness:
        checks: dict[str, str] = {}
        ready = True
        try:
            if engine is not None and migrations is not None:
                pending = [m for m in await migration_status(engine, migrations)
                           if m.state == "pending"]
                checks["migrations"] = f"{len(pending)} pending" if pending else "ok"
                ready = not pending
            async with uow() as u:
                await u.users.count()
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unavailable: {type(exc).__name__}"
            ready = False
        checks["media_source"] = media_source or "not configured"
        if oidc is not None:  # reported, never fatal: password login still works
            checks["oidc"] = oidc.status
        return Readiness(ready=ready, checks=checks)

    accounts = AccountAdmin(uow, hasher, clock, users, cpu=to_thread)
    return Ktv(settings=settings, clock=clock, metrics=app_metrics, users=users,
               accounts=accounts,
               channels=ChannelService(uow, clock), schedules=schedules, onair=onair,
               auth=Authenticator(tokens, users, clock=clock,
                                  monotonic=o.monotonic or time.monotonic), tokens=tokens,
               limiter=RateLimiter(settings.auth_rate_limit_per_minute),
               media=media, media_source=media_source,
               readiness=readiness, version=_version(),
               media_files=o.media_files or local, oidc=oidc,
               library=LibraryService(media), scanner=scanner, media_urls=media_urls,
               channel_links=channel_links,
               iptv=build_iptv(settings, uow, onair, clock, channel_links, to_thread,
                               http=o.http_client),
               streams=build_streams(settings, clock, onair, uow, media,
                                     sleep=o.stream_sleep or asyncio.sleep),
               hls_links=SignedLinks.from_settings(settings, clock, HLS_LINK_PURPOSE))


def _oidc(settings: Settings, http: httpx.AsyncClient, clock: Clock) -> OidcClient:
    assert settings.oidc_issuer is not None
    assert settings.oidc_client_id is not None
    assert settings.oidc_redirect_url is not None
    return OidcClient(
        OidcSettings(issuer=settings.oidc_issuer, client_id=settings.oidc_client_id,
                     client_secret=settings.oidc_client_secret,
                     redirect_url=settings.oidc_redirect_url,
                     resource_id=settings.oidc_resource_id),
        http, clock, sealer=Sealer(settings.cookie_secret, "oidc-flow-cookie"))


async def _discover(oidc: OidcClient, first_try: asyncio.Event) -> None:
    """Discovery at start-up, retried with backoff until the provider answers."""
    def failed(exc: OidcError, retry_in: float) -> None:
        first_try.set()
        _log.warning("oidc provider discovery failed; retrying", reason=exc.message,
                     retry_in_seconds=retry_in)

    try:
        await oidc.run_discovery(on_failure=failed)
    finally:
        first_try.set()
    _log.info("oidc provider discovered", status=oidc.status)


async def _sync_loop(ktv: Ktv, interval: float) -> None:
    """Keep the in-memory schedule views in step with other replicas."""
    while True:
        await asyncio.sleep(interval)
        try:
            await ktv.onair.sync()
            ktv.metrics.onair_channels.set(len(ktv.onair))
        except Exception:
            _log.exception("on-air sync failed; retrying")


def _version() -> str:
    try:
        return package_version("ktv-api")
    except Exception:
        return "0.0.0"
