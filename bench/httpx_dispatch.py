"""The dispatcher with its previous HTTP client (httpx), for bench/webhooks.py's baseline row:
the same claim/record loop, only `post` differs. Loopback only (no address guard here).

    python -m bench.httpx_dispatch --concurrency 32
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import aiohttp
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import get_settings
from app.logging import configure_logging
from app.webhooks import schedule as sched
from app.webhooks.dispatcher import Dispatcher
from app.webhooks.runner import run_standalone


class HttpxDispatcher(Dispatcher):
    async def __aenter__(self) -> HttpxDispatcher:
        limits = httpx.Limits(max_connections=self.concurrency,
                              max_keepalive_connections=self.concurrency)
        self.httpx = httpx.AsyncClient(limits=limits, timeout=self.timeout,
                                       follow_redirects=False, trust_env=False)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.httpx.aclose()

    async def post(self, url, body, headers):
        try:
            async with self.httpx.stream("POST", url, content=body, headers=headers) as resp:
                chunks, size = [], 0
                async for chunk in resp.aiter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size >= sched.EXCERPT_BYTES:
                        break
        except httpx.TimeoutException as exc:
            raise TimeoutError from exc
        except httpx.HTTPError as exc:
            raise aiohttp.ClientConnectionError(str(exc)) from exc
        excerpt = b"".join(chunks)[: sched.EXCERPT_BYTES].decode("utf-8", errors="replace")
        return resp.status_code, resp.headers.get("retry-after"), excerpt


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    asyncio.run(run_standalone(settings, cls=HttpxDispatcher, concurrency=args.concurrency))


if __name__ == "__main__":
    main()
