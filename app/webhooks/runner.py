"""Running a dispatcher: inside an API process (the embedded default) or as `gigmarket dispatch`."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import structlog

from app.config import Settings
from app.webhooks.dispatcher import Dispatcher

log = structlog.get_logger("gigmarket.webhooks")


class BackgroundDispatcher:
    """A dispatcher loop as a task of the running event loop; stop() drains in-flight work."""

    def __init__(self, sessionmaker, settings: Settings, service_key: bytes, **kw) -> None:
        self.dispatcher = Dispatcher(sessionmaker, settings, service_key, **kw)
        self.stop_event = asyncio.Event()
        self.task: asyncio.Task | None = None

    def start(self) -> BackgroundDispatcher:
        self.task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        while not self.stop_event.is_set():
            try:
                async with self.dispatcher:
                    await self.dispatcher.run(self.stop_event)
            except Exception:
                log.exception("dispatcher_crashed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop_event.wait(), 5)

    async def stop(self) -> None:
        self.stop_event.set()
        if self.task is not None:
            try:
                await asyncio.wait_for(self.task, self.dispatcher.timeout + 5)
            except TimeoutError:
                self.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self.task


def start_in_process(app) -> BackgroundDispatcher | None:
    settings: Settings = app.state.settings
    if not settings.dispatcher_in_process:
        return None
    return BackgroundDispatcher(app.state.sessionmaker, settings, app.state.secret_key).start()


async def run_standalone(
    settings: Settings, *, once: bool = False, cls: type[Dispatcher] = Dispatcher, **kw
) -> int:
    """`gigmarket dispatch`: until SIGINT/SIGTERM (or, with once, until nothing is due).
    `cls` lets the benchmark run its httpx baseline through the same loop."""
    from app.db import make_engine, make_sessionmaker

    engine = make_engine(settings.database_url, settings.db_pool_size)
    try:
        dispatcher = cls(make_sessionmaker(engine), settings, settings.resolved_secret_key(),
                         **kw)
        async with dispatcher:
            if once:
                return await dispatcher.run_until_idle()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await dispatcher.run(stop)
            return 0
    finally:
        await engine.dispose()
