"""The review web application: app factory, token check, error format, static page.

Every request needs the token printed when the server starts: as the header
``X-Token`` (or ``Authorization: Bearer ...``), as the cookie the page's
address (``/?token=...``) sets, or as a ``token`` query parameter. Every error
is a JSON ``{"detail": "<one line>"}`` with a 4xx status. Files are served
only from the package's ``static/`` folder; recordings are looked up by id in
the catalog, never by a path from the request.
"""

from __future__ import annotations

import hmac
import secrets
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from ..errors import ArrhythmiaError
from .catalog import Catalog
from .recordings import Library

COOKIE = "arrhythmia_token"
MAX_BODY = 2_000_000
"""Largest request body accepted, bytes (413 above)."""


def static_dir() -> Path:
    """The page's HTML, JavaScript and CSS, shipped inside the package."""
    return Path(str(resources.files("arrhythmia.serve") / "static"))


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _given_token(request) -> str:
    auth = request.headers.get("authorization", "")
    return (request.headers.get("x-token") or (auth[7:] if auth.lower().startswith("bearer ") else "")
            or request.cookies.get(COOKIE, "") or request.query_params.get("token", ""))


def create_app(folder, token: str, out=None, recordings=None, model=None, fs=None, cache=None):
    """Build the application over ``folder`` (see :mod:`arrhythmia.serve.catalog` for what it may be).

    Parameters
    ----------
    folder : str or Path
    token : str
        What every request must carry.
    out, recordings, model, fs
        See :class:`arrhythmia.serve.catalog.Catalog`.
    cache : Path, optional
        Folder for the decoded signals (default ``<user cache>/serve``).

    Returns
    -------
    fastapi.FastAPI
    """
    from fastapi import FastAPI
    from fastapi.responses import FileResponse
    from fastapi.staticfiles import StaticFiles

    from .routes import router

    if not token:
        raise ArrhythmiaError("Invalid value for 'token': allowed a non-empty string; got ''.")
    import pandas  # noqa: F401  (the beats table's parser: loaded with the server, not on the first open)

    library = Library(Catalog(folder, out=out, recordings=recordings, model=model, fs=fs), cache)

    @asynccontextmanager
    async def lifespan(app):
        yield
        library.flush()  # every .arrc holds every correction before the server stops

    app = FastAPI(title="arrhythmia review", version=_version(), docs_url=None, redoc_url=None, lifespan=lifespan,
                  description="Review a model's beats: recordings, signal windows, beats, episodes, templates and "
                              "corrections. Every request carries the token printed at start-up (header `X-Token`).")
    app.state.library, app.state.token = library, token

    _guard_and_errors(app, token)
    app.include_router(router)
    static = static_dir()
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.get("/", include_in_schema=False)
    def index():
        return FileResponse(static / "index.html", media_type="text/html")

    @app.get("/docs", include_in_schema=False)
    def docs():
        return FileResponse(static / "docs.html", media_type="text/html")

    return app


def _guard_and_errors(app, token: str) -> None:
    """The token check, the body size limit and the one-line JSON errors."""
    from fastapi import Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, RedirectResponse
    from starlette.exceptions import HTTPException

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if not hmac.compare_digest(_given_token(request).encode(), token.encode()):
            return JSONResponse({"detail": "missing or wrong token: open the address printed when the server "
                                           "started"}, status_code=401)
        size = request.headers.get("content-length")
        if size is not None and (not size.isdigit() or int(size) > MAX_BODY):
            return JSONResponse({"detail": f"request body over {MAX_BODY} bytes"}, status_code=413)
        response = await call_next(request)
        if request.query_params.get("token") and request.url.path == "/":
            response = RedirectResponse("/", status_code=303)  # the token leaves the address bar for a cookie
            response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.exception_handler(ArrhythmiaError)
    async def user_error(request, exc):
        return JSONResponse({"detail": str(exc).splitlines()[0]}, status_code=400)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request, exc):
        e = exc.errors()[0] if exc.errors() else {"loc": ("body",), "msg": "malformed request"}
        loc = list(e.get("loc", ()))
        loc = loc[1:] if loc and loc[0] in ("body", "query", "path", "header", "cookie") else loc
        where = ".".join(map(str, loc)) or "body"
        return JSONResponse({"detail": f"Invalid value for {where!r}: {e.get('msg', 'malformed')}"}, status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(request, exc):
        return JSONResponse({"detail": str(exc.detail).splitlines()[0]}, status_code=exc.status_code)


def _version() -> str:
    from .. import __version__

    return __version__


def serve(folder, host: str = "127.0.0.1", port: int = 8765, token: str | None = None, out=None, recordings=None,
          model=None, fs=None, open_browser: bool = False) -> None:
    """Run the review server until interrupted; prints the address (with its token) first."""
    import sys
    import warnings

    import uvicorn

    token = token or new_token()
    app = create_app(folder, token, out=out, recordings=recordings, model=model, fs=fs)
    if host not in ("127.0.0.1", "localhost", "::1"):
        warnings.warn(f"listening on {host}: anyone who can reach this machine and has the token can read and "
                      "correct these recordings", stacklevel=2)
    cat = app.state.library.catalog
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/?token={token}"
    print(f"reviewing {len(cat.entries)} recordings of {cat.root} ({cat.mode}; corrections in {cat.out})")
    print(f"open {url}", flush=True)
    sys.stdout.flush()
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    uvicorn.run(app, host=host, port=port, log_level="warning")
