"""Engine, session factory, declarative base and the constraint naming convention."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import orjson
from sqlalchemy import BigInteger, DateTime, Integer, MetaData, event, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments an INTEGER PRIMARY KEY, so big ids are plain INTEGER there.
BigId = BigInteger().with_variant(Integer, "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes, stored in UTC on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DatabaseUnavailableError(Exception):
    """The database did not give us a connection, for whatever reason: refused, not accepting
    connections, too many connections, starting up or shutting down, a bad password."""


def _connect_or_unavailable(engine: AsyncEngine) -> None:
    """Every failure to open a connection becomes DatabaseUnavailableError (a 503 problem).

    Listing causes by type missed some (asyncpg raises its own server errors, not DBAPI ones,
    while connecting: ALLOW_CONNECTIONS false answered 500), so none are listed."""

    @event.listens_for(engine.sync_engine, "do_connect")
    def _connect(dialect, _record, cargs, cparams):
        try:
            return dialect.connect(*cargs, **cparams)
        except Exception as exc:
            raise DatabaseUnavailableError(f"{type(exc).__name__}: {exc}") from exc


def make_engine(url: str, pool_size: int = 10, pool_timeout: float = 5.0) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url, connect_args={"timeout": 30}, json_deserializer=orjson.loads
        )
        _connect_or_unavailable(engine)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    engine = create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_timeout=pool_timeout,
        json_deserializer=orjson.loads,
    )
    _connect_or_unavailable(engine)
    _check_on_checkout(engine)
    return engine


PING_AFTER_IDLE_SECONDS = 10.0


def _check_on_checkout(engine: AsyncEngine) -> None:
    """A pooled connection is checked before use, cheaply: one the server closed (a restart,
    an administrator's terminate) is known locally and replaced; one idle for a while is pinged.
    SQLAlchemy's pool_pre_ping pinged on every checkout: BEGIN, a statement and ROLLBACK, three
    round trips per request, a quarter of a small read's time. A connection that dies silently
    within the idle window costs one request a 503; the pool then starts afresh."""

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _stamp(dbapi_conn, record) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _check(dbapi_conn, record, proxy) -> None:
        raw = getattr(dbapi_conn, "_connection", None)
        idle = time.monotonic() - record.info.get("checked_in_at", time.monotonic())
        try:
            if raw is not None and raw.is_closed():
                raise sa_exc.DisconnectionError("the server closed the connection")
            if idle > PING_AFTER_IDLE_SECONDS:
                dbapi_conn.ping()
        except sa_exc.DisconnectionError:
            raise
        except Exception as exc:
            raise sa_exc.DisconnectionError(f"{type(exc).__name__}: {exc}") from exc


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def lock_row(session: AsyncSession, model, row_id: int, *options):
    """The row, re-read under its lock (SELECT … FOR NO KEY UPDATE on PostgreSQL; on SQLite
    call begin_write first, which locks the whole database). `options` are loader options
    (selectinload …) for relationships the caller will touch."""
    return await session.scalar(
        select(model).options(*options).where(model.id == row_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )


async def begin_write(session: AsyncSession) -> None:
    """Makes the session's transaction a writer before it reads what it will check.

    PostgreSQL: nothing to do; callers lock the rows they check (SELECT … FOR UPDATE).
    SQLite: the driver opens a transaction only at the first INSERT/UPDATE, so the reads before
    it hold no lock and two writers may both act on the same stale count. BEGIN IMMEDIATE takes
    the database's write lock now (waiting up to busy_timeout), which serialises the whole
    read-check-write against every other connection and process. Once a transaction has
    written it already holds that lock, so an open transaction is left as it is.
    """
    connection = await session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = await connection.get_raw_connection()
    if not raw.driver_connection.in_transaction:
        await connection.exec_driver_sql("BEGIN IMMEDIATE")


async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: commit if the body finishes, roll back if it raises."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def read_scope(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session that only reads. On PostgreSQL its statements run without an explicit
    transaction: under READ COMMITTED each statement takes its own snapshot anyway, so this
    sees exactly what a transaction would, minus two round trips (BEGIN, COMMIT) per request."""
    async with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        async with AsyncSession(bind=conn, expire_on_commit=False, autoflush=False) as session:
            yield session


# Failures that mean "the database is not there right now" (answered 503 + Retry-After), not
# a bug: any failure to connect (DatabaseUnavailableError), a pool with no free connection, a
# connection lost mid-statement. Raw asyncpg errors escape SQLAlchemy's wrapping when a
# connection breaks while the server shuts down.
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    DatabaseUnavailableError, sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError, OSError,
    asyncpg.exceptions.OperatorInterventionError, asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.TooManyConnectionsError,
)


def database_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, UNAVAILABLE_ERRORS):
        return True
    # A statement whose connection the server dropped mid-request.
    return isinstance(exc, sa_exc.DBAPIError) and bool(exc.connection_invalidated)
