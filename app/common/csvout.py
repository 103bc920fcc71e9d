"""CSV downloads: content negotiation (Accept: text/csv or ?format=csv) and a safe writer."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Annotated, Literal

from fastapi import Query, Request
from starlette.responses import Response

FormatQuery = Annotated[
    Literal["json", "csv"] | None,
    Query(description="csv for a CSV download; the Accept header text/csv does the same"),
]


def wants_csv(request: Request, format: str | None) -> bool:
    if format is not None:
        return format == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


def _cell(value: object) -> str:
    text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    # A leading =, +, - or @ makes spreadsheets run the cell as a formula (CSV injection).
    if text[:1] in ("=", "+", "-", "@") and not _number(text):
        return "'" + text
    return text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_response(header: Sequence[str], rows: Iterable[Sequence[object]], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return Response(
        buffer.getvalue().encode("utf-8-sig"),  # the BOM lets Excel read the Chinese text
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
