"""The `gigmarket` command: serve, migrate, keys, seed, dispatch, openapi, reindex-matches."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from app.config import get_settings

OPENAPI_PATH = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def _migrate(url: str) -> None:
    from app.migrate import upgrade

    upgrade(url)


async def _with_sessionmaker(fn):
    from app.db import make_engine, make_sessionmaker

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        return await fn(make_sessionmaker(engine), settings)
    finally:
        await engine.dispose()


async def _create_key(sessionmaker, settings, *, role, name, subject_id, scopes) -> str:
    from app.auth.principal import Role
    from app.auth.service import create_key

    async with sessionmaker() as session:
        _row, key = await create_key(
            session, settings.resolved_secret_key(), role=Role(role), name=name,
            subject_id=subject_id, scopes=scopes,
        )
        await session.commit()
    return key


def demo_key_file(settings) -> Path:
    """Where `serve --demo` keeps its admin key (beside the secret key file, mode 0600)."""
    return settings.secret_key_file.parent / ".gigmarket-demo-key"


async def _demo(sessionmaker, settings) -> tuple[str, bool]:
    """Seeds the demo data set once (an empty database only); returns the demo admin key and
    whether it is new. The key is kept in demo_key_file and reused while it still works on
    this database, so restarting the demo does not pile up admin keys."""
    import os

    from sqlalchemy import func, select

    from app.auth.keycache import KeyCache
    from app.jobs.models import Job
    from app.seed import seed

    async with sessionmaker() as session:
        has_jobs = await session.scalar(select(func.count()).select_from(Job))
    if not has_jobs:
        await seed(sessionmaker, workers=300, jobs=60, markets=6, seed_value=2024)
    path = demo_key_file(settings)
    if path.exists():
        kept = path.read_text().strip()
        keys = KeyCache(settings.resolved_secret_key(), ttl=0)
        if await keys.verify(sessionmaker, kept, keys.digest(kept)) is not None:
            return kept, False
        # another database, or revoked: issue a new one
    key = await _create_key(
        sessionmaker, settings, role="admin", name="demo admin", subject_id=None, scopes=None
    )
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    return key, True


def cmd_serve(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    # The embedded default: each API process also dispatches webhooks (safe side by side with
    # `gigmarket dispatch` processes). The environment can still say otherwise.
    os.environ.setdefault(
        "GIGMARKET_DISPATCHER_IN_PROCESS", "false" if args.no_dispatcher else "true"
    )
    get_settings.cache_clear()
    settings = get_settings()
    _migrate(settings.database_url)
    if args.demo:
        key, new = asyncio.run(_with_sessionmaker(_demo))
        where = demo_key_file(settings)
        print(f"Demo admin key ({'new, ' if new else ''}kept in {where}): {key}", flush=True)
        print(
            f"Try: curl -H 'Authorization: Bearer {key}' "
            f"http://{args.host}:{args.port}/v1/jobs?limit=5",
            flush=True,
        )
    uvicorn.run(
        "app.main:create_app", factory=True, host=args.host, port=args.port,
        workers=args.workers, access_log=False, log_config=None,
    )
    return 0


def cmd_migrate(_args: argparse.Namespace) -> int:
    _migrate(get_settings().database_url)
    return 0


def cmd_keys_create(args: argparse.Namespace) -> int:
    from app.common.problems import Problem

    _migrate(get_settings().database_url)
    scopes = args.scopes.split(",") if args.scopes else None
    try:
        key = asyncio.run(
            _with_sessionmaker(
                lambda sm, st: _create_key(
                    sm, st, role=args.role, name=args.name, subject_id=args.subject_id,
                    scopes=scopes,
                )
            )
        )
    except Problem as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    print(key)
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from app.seed import seed

    _migrate(get_settings().database_url)
    with tqdm(total=args.workers + args.jobs, unit="rows", file=sys.stderr) as bar:
        result = asyncio.run(
            _with_sessionmaker(
                lambda sm, _st: seed(
                    sm, workers=args.workers, jobs=args.jobs, markets=args.markets,
                    seed_value=args.seed, progress=bar.update,
                )
            )
        )
    print(json.dumps(result.__dict__))
    return 0


async def _reindex(sessionmaker, _settings) -> dict[str, int]:
    from app.matching.index import reindex_all

    async with sessionmaker() as session:
        counts = await reindex_all(session)
        await session.commit()
    return counts


def cmd_reindex_matches(_args: argparse.Namespace) -> int:
    _migrate(get_settings().database_url)
    print(json.dumps(asyncio.run(_with_sessionmaker(_reindex))))
    return 0


def cmd_stats_sweep(_args: argparse.Namespace) -> int:
    from app.stats.rollup import sweep

    async def run(sessionmaker, _settings):
        async with sessionmaker() as session:
            result = await sweep(session)
            await session.commit()
        return result

    _migrate(get_settings().database_url)
    print(json.dumps(asyncio.run(_with_sessionmaker(run))))
    return 0


def cmd_dispatch(args: argparse.Namespace) -> int:
    from app.logging import configure_logging
    from app.webhooks.runner import run_standalone

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    kw = {}
    if args.concurrency:
        kw["concurrency"] = args.concurrency
    if args.poll_seconds:
        kw["poll_seconds"] = args.poll_seconds
    attempts = asyncio.run(run_standalone(settings, once=args.once, **kw))
    if args.once:
        print(json.dumps({"attempts": attempts}))
    return 0


def openapi_document() -> str:
    from app.config import Settings
    from app.main import create_app

    app = create_app(Settings(database_url="sqlite+aiosqlite://", secret_key="openapi"))
    return json.dumps(app.openapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def cmd_openapi(args: argparse.Namespace) -> int:
    path = Path(args.output) if args.output else OPENAPI_PATH
    document = openapi_document()
    if args.check:
        if not path.exists() or path.read_text("utf-8") != document:
            print(f"{path} is out of date: run `gigmarket openapi`", file=sys.stderr)
            return 1
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document, "utf-8")
    print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gigmarket", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run pending migrations and serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--demo", action="store_true", help="seed demo data once; print a key")
    serve.add_argument("--no-dispatcher", action="store_true",
                       help="do not deliver webhooks from the API processes")
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="alembic upgrade head on the configured database")
    migrate.set_defaults(func=cmd_migrate)

    keys = sub.add_parser("keys", help="API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", help="issue a key; prints it alone on stdout")
    create.add_argument(
        "--role", required=True,
        choices=["admin", "employer", "market", "inspector", "partner", "worker"],
    )
    create.add_argument("--name", required=True)
    create.add_argument("--subject-id", type=int, default=None)
    create.add_argument("--scopes", default=None, help="comma-separated; default: the role's")
    create.set_defaults(func=cmd_keys_create)

    seed = sub.add_parser("seed", help="synthetic Chongqing data")
    seed.add_argument("--workers", type=int, default=1000)
    seed.add_argument("--jobs", type=int, default=100)
    seed.add_argument("--markets", type=int, default=0)
    seed.add_argument("--seed", type=int, default=1)
    seed.set_defaults(func=cmd_seed)

    reindex = sub.add_parser(
        "reindex-matches",
        help="rebuild the match-key tables from workers and jobs (one transaction)",
    )
    reindex.set_defaults(func=cmd_reindex_matches)

    stats_sweep = sub.add_parser(
        "stats-sweep",
        help="fold changes into the statistics roll-up (run every few minutes; reports stay "
             "exact without it, only slower)",
    )
    stats_sweep.set_defaults(func=cmd_stats_sweep)

    dispatch = sub.add_parser(
        "dispatch", help="deliver webhooks (run `gigmarket migrate` first); several may run"
    )
    dispatch.add_argument("--concurrency", type=int, default=None, help="deliveries in flight")
    dispatch.add_argument("--poll-seconds", type=float, default=None)
    dispatch.add_argument("--once", action="store_true", help="deliver what is due, then exit")
    dispatch.set_defaults(func=cmd_dispatch)

    openapi = sub.add_parser("openapi", help="write openapi/openapi.json")
    openapi.add_argument("--output", default=None)
    openapi.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    openapi.set_defaults(func=cmd_openapi)
    return parser


def _settings_error(exc: Exception) -> str:
    """One line naming the variable at fault (not a traceback)."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        name = "GIGMARKET_" + str(err["loc"][0]).upper() if err.get("loc") else "a setting"
        return f"{name}: {err['msg']}"
    text = str(exc)  # SettingsError: 'error parsing value for field "x" from source …'
    field = text.split('"')[1] if text.count('"') >= 2 else ""
    name = f"GIGMARKET_{field.upper()}" if field else "a setting"
    return f"{name} could not be read; list settings are JSON, e.g. '[\"127.0.0.1\"]'"


def main(argv: list[str] | None = None) -> int:
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    args = build_parser().parse_args(argv)
    try:
        get_settings()
    except (SettingsError, ValidationError) as exc:
        print(f"gigmarket: configuration error: {_settings_error(exc)}", file=sys.stderr)
        return 2
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
