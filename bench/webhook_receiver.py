"""A minimal ASGI receiver for bench/webhooks.py: answers 200 and counts webhook-ids."""

from __future__ import annotations

import json

count = 0
ids: set[str] = set()


async def app(scope, receive, send):
    global count
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    if scope["method"] == "POST":
        count += 1
        ids.add(dict(scope["headers"]).get(b"webhook-id", b"").decode())
        body = b"ok"
    else:
        body = json.dumps({"count": count, "unique": len(ids)}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
