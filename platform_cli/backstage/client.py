"""The Backstage catalog REST API over plain `requests`: locations, entities, refresh.

Endpoints (catalog backend, mounted at /api/catalog): `POST /locations[?dryRun=true]` (201; 409 when the
location exists; a dry run answers the entities it would create, or 400 naming what is invalid),
`GET /locations/by-entity/{kind}/{ns}/{name}`, `DELETE /locations/{id}` (204; the location's entities
go with it), `GET /entities/by-name/{kind}/{ns}/{name}` (404 until the processing loop has ingested the
entity, typically seconds after registration), `GET /entities/by-query` (cursor pagination),
`POST /refresh` ({"entityRef"}: re-read the entity and the locations above it).

Errors come back as {"error": {"name", "message"}, "response": {"statusCode"}}; `CatalogError` carries
that name and message. Every call goes through the one HTTP policy (platform_cli.httpclient): the token
never follows a redirect to another origin, answers are bounded, and server text is redacted before it
is shortened.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

import requests

from platform_cli import __version__
from platform_cli.backstage.settings import CatalogSettings
from platform_cli.errors import ExitCode, PlatformError
from platform_cli.httpclient import RedirectRefused, ResponseTooLarge, excerpt, new_session

TIMEOUT_S = 15.0
CONNECT_TIMEOUT_S = 5.0
MAX_MESSAGE = 600
PAGE_SIZE = 200
MAX_PAGES = 500


class CatalogError(PlatformError):
    """The catalog said no, or could not be reached. Exit 2 for what the user must fix (an invalid entity,
    a rejected token), 1 for the rest (not found, unreachable, server errors)."""

    def __init__(self, message: str, *, status: int | None = None, name: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.name = name
        self.exit_code = ExitCode.BAD_INPUT if status in (400, 401, 403) else ExitCode.CHECK_FAILED


class CatalogClient:
    """One Backstage catalog. Every method raises CatalogError with Backstage's own message on failure."""

    def __init__(
        self,
        settings: CatalogSettings,
        *,
        session: requests.Session | None = None,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        self.settings = settings
        self.base = f"{settings.url}/api/catalog"
        self.timeout_s = timeout_s
        self.session = session or new_session()
        self.session.headers["User-Agent"] = f"platform-cli/{__version__}"

    def __repr__(self) -> str:
        return f"CatalogClient(url={self.settings.url!r})"

    def close(self) -> None:
        self.session.close()

    # --- locations ---------------------------------------------------------------------------------------
    def add_location(self, target: str, *, type: str = "url", dry_run: bool = False) -> dict[str, Any]:
        """Register `target` (201). A dry run validates and returns the entities it would create."""
        path = "/locations?dryRun=true" if dry_run else "/locations"
        return self._object(self._call("POST", path, body={"type": type, "target": target}))

    def locations(self) -> list[dict[str, Any]]:
        """Every registered location ({id, type, target})."""
        answer = self._call("GET", "/locations")
        items = answer if isinstance(answer, list) else []
        return [i["data"] for i in items if isinstance(i, dict) and isinstance(i.get("data"), dict)]

    def location_of(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        """The location that registered the entity ({id, type, target}), or None when there is none."""
        answer = self._call(
            "GET", f"/locations/by-entity/{_ref_path(kind, namespace, name)}", missing_ok=True
        )
        return None if answer is None else self._object(answer)

    def delete_location(self, location_id: str) -> None:
        """Remove a location and the entities it produced (204)."""
        self._call("DELETE", f"/locations/{quote(location_id, safe='')}")

    # --- entities ----------------------------------------------------------------------------------------
    def entity(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        """The entity as the catalog serves it, or None when the catalog has no such entity (yet)."""
        answer = self._call("GET", f"/entities/by-name/{_ref_path(kind, namespace, name)}", missing_ok=True)
        return None if answer is None else self._object(answer)

    def refresh(self, entity_ref: str) -> None:
        """Ask the catalog to re-read `entity_ref` (e.g. component:default/x) from its location soon."""
        self._call("POST", "/refresh", body={"entityRef": entity_ref})

    def query(self, filter: str) -> Iterator[dict[str, Any]]:
        """Every entity matching `filter`, page by page. Backstage's syntax: comma-separated statements
        that must all hold, `key=value` or `key` alone for "exists" (e.g. `kind=component,spec.owner`)."""
        params: dict[str, str] = {"filter": filter, "limit": str(PAGE_SIZE)}
        for _ in range(MAX_PAGES):
            page = self._object(self._call("GET", "/entities/by-query", params=params))
            items = page.get("items")
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict):
                    yield item
            cursor = (page.get("pageInfo") or {}).get("nextCursor")
            if not isinstance(cursor, str) or not cursor:
                return
            params = {"cursor": cursor, "limit": str(PAGE_SIZE)}
        raise CatalogError(f"{self.base}/entities/by-query: more than {MAX_PAGES} pages; narrow the filter")

    # --- the request -------------------------------------------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        missing_ok: bool = False,
    ) -> Any:
        url = self.base + path
        headers = {"Accept": "application/json"}
        token = self.settings.token.reveal() if self.settings.token is not None else None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                data=None if body is None else json.dumps(body),
                headers=headers,
                timeout=(CONNECT_TIMEOUT_S, self.timeout_s),
            )
        except RedirectRefused:
            raise CatalogError(
                f"Backstage at {self.settings.url} redirected {method} {path} to another origin; not "
                "followed (the token stays with its origin): set the Backstage URL to the final address"
            ) from None
        except ResponseTooLarge:
            raise CatalogError(
                f"Backstage at {self.settings.url} answered {method} {path} with too much data"
            ) from None
        except requests.Timeout:
            raise CatalogError(
                f"Backstage at {self.settings.url} did not answer {method} {path} within "
                f"{self.timeout_s:g}s (is it overloaded? try again)"
            ) from None
        except requests.ConnectionError:
            raise CatalogError(
                f"cannot reach Backstage at {self.settings.url} (set in {self.settings.source}): "
                "connection failed; check the URL and that the catalog is running"
            ) from None
        except requests.RequestException as error:
            raise CatalogError(
                f"request to Backstage at {self.settings.url} failed: {type(error).__name__}"
            ) from None
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code >= 300:
            raise self._error(method, path, response, token)
        if response.status_code == 204 or not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise CatalogError(
                f"Backstage answered {method} {path} with HTTP {response.status_code} and a body that is "
                "not JSON (is the URL the Backstage backend?)",
                status=response.status_code,
            ) from None

    def _error(self, method: str, path: str, response: requests.Response, token: str | None) -> CatalogError:
        status = response.status_code
        name, message = _backstage_error(response)
        if 300 <= status < 400:
            where = response.headers.get("Location", "?")
            message = f"redirected to {where} too many times (set the Backstage URL to the final address)"
        text = f"Backstage answered {method} /api/catalog{path} with HTTP {status}"
        text += f" {name}: {message}" if name else f": {message}"
        if status == 401:
            text += " (check $BACKSTAGE_TOKEN: a static token from backend.auth.externalAccess)"
        elif status == 403:
            text += " (the token is valid but not allowed to do this)"
        return CatalogError(excerpt(text, [token] if token else [], MAX_MESSAGE), status=status, name=name)

    @staticmethod
    def _object(answer: Any) -> dict[str, Any]:
        if not isinstance(answer, dict):
            raise CatalogError("Backstage answered with JSON that is not an object")
        return answer


def _backstage_error(response: requests.Response) -> tuple[str | None, str]:
    """(error.name, error.message) from a Backstage error body, else (None, the start of the body)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        name = error.get("name")
        return (name if isinstance(name, str) else None), error["message"]
    # not cut here: the caller redacts the token first, then cuts (a cut token is no longer recognised)
    snippet = " ".join(response.text[: 8 * MAX_MESSAGE].split())
    return None, snippet or response.reason or "no message"


def as_dict(value: Any) -> dict[str, Any]:
    """A JSON object from an answer, or {} when absent or of another type."""
    return value if isinstance(value, dict) else {}


def _ref_path(kind: str, namespace: str, name: str) -> str:
    return "/".join(quote(part, safe="") for part in (kind.lower(), namespace, name))
