"""JSON logs through structlog, each line carrying the request id."""

from __future__ import annotations

import logging
import re
import sys

import structlog

# Mainland mobile numbers never reach a log line, whoever tried to log them.
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_API_KEY = re.compile(r"gm_live_[A-Za-z0-9_\-]+")
_SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")


def scrub(text: str) -> str:
    text = _PHONE.sub(r"\1****\2", text)
    text = _API_KEY.sub("gm_live_[redacted]", text)
    return _SECRET.sub("whsec_[redacted]", text)


def _scrub_processor(_logger, _name, event_dict):
    for key, value in list(event_dict.items()):
        if isinstance(value, str):
            event_dict[key] = scrub(value)
    return event_dict


def configure_logging(level: str = "INFO", json_logs: bool = True) -> None:
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        _scrub_processor,
    ]
    renderer = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json_logs
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    # structlog hands its events to the standard library, so our lines and those of uvicorn,
    # SQLAlchemy and alembic share one handler, one format and the same scrubbing.
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            structlog.stdlib.add_logger_name,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        )
    )
    handler.gigmarket = True  # replace only our own handler when configured again
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not getattr(h, "gigmarket", False)]
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("uvicorn.access").disabled = True  # our access log replaces it
