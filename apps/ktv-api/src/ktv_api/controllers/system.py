"""Server-level endpoints: ``/config``, health checks and Prometheus metrics."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec

from ..dto.base import Response as Body
from ..metrics import CONTENT_TYPE_LATEST
from ..problems import PROBLEM_JSON, title_for
from ..state import KtvDep

__all__ = ["SystemController", "metrics", "openapi_json"]


class ConfigOut(Body):
    allow_registration: bool
    password_login_enabled: bool
    oidc_enabled: bool
    #: OIDC is configured and the provider's discovery succeeded (sign-in works now).
    oidc_ready: bool
    media_source: str | None
    schedule_horizon_hours: int
    version: str


class Health(Body):
    status: str
    checks: dict[str, str]


class NotReady(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem body with the readiness checks as an extension member."""

    title: str
    status: int
    detail: str
    checks: dict[str, str]
    type: str = "about:blank"


class SystemController(Controller):
    path = ""
    tags = ["server"]

    @get("/config", summary="What this server offers (no secrets)")
    async def config(self, ktv: KtvDep) -> ConfigOut:
        s = ktv.settings
        return ConfigOut(allow_registration=ktv.users.allow_registration,
                         password_login_enabled=True,
                         oidc_enabled=ktv.oidc is not None,
                         oidc_ready=ktv.oidc is not None and ktv.oidc.ready,
                         media_source=ktv.media_source,
                         schedule_horizon_hours=s.schedule_horizon_hours,
                         version=ktv.version)

    @get("/health/live", summary="The process is up")
    async def live(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/health/ready", summary="The database is reachable and migrated",
         responses={503: ResponseSpec(NotReady, media_type=PROBLEM_JSON,
                                      generate_examples=False,
                                      description="Not ready: a problem body whose `checks` "
                                                  "say what is not")})
    async def ready(self, ktv: KtvDep) -> Response[Health | NotReady]:
        """The media source's and the OIDC provider's states are reported but do not make
        the server unready (password login works without either)."""
        report = await ktv.readiness()
        if report.ready:
            return Response(Health(status="ok", checks=report.checks))
        failing = ", ".join(f"{k}: {v}" for k, v in report.checks.items()
                            if k in ("database", "migrations") and v != "ok")
        body = NotReady(title=title_for(503), status=503, checks=report.checks,
                        detail=f"not ready ({failing or 'see checks'})")
        return Response(body, status_code=503, media_type=PROBLEM_JSON)


@get("/metrics", summary="Prometheus metrics", tags=["server"], include_in_schema=False)
async def metrics(ktv: KtvDep) -> Response[bytes]:
    return Response(ktv.metrics.render(), media_type=CONTENT_TYPE_LATEST)


@get("/openapi.json", summary="This API's OpenAPI 3.1 description", include_in_schema=False,
     sync_to_thread=False)
def openapi_json(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    """The generated document (the interactive page is at ``/api/v1/docs``)."""
    schema = request.app.openapi_schema.to_schema()
    return Response(schema, media_type="application/vnd.oai.openapi+json")
