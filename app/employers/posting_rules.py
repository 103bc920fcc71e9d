"""Who may post what (items 八 and 十五): blocked employers, agencies' licences, households'
limits, and the chain of a posting made on another employer's behalf."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.problems import Problem, field_error
from app.config import Settings
from app.employers.models import Employer

SHANGHAI = ZoneInfo("Asia/Shanghai")


class PostingNotAllowed(Problem):
    status, slug, title = 422, "posting-rejected", "Posting rejected by screening"


def licence_valid(employer: Employer, today: date) -> bool:
    return (employer.licence_no is not None and employer.licence_expiry_date is not None
            and employer.licence_expiry_date >= today)


def shanghai_today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def check_household_headcount(employer: Employer, headcount: int, settings: Settings) -> None:
    if employer.kind == "individual" and headcount > settings.individual_headcount_cap:
        raise field_error(
            "/headcount",
            f"a household employer hires at most {settings.individual_headcount_cap} people",
        )


@dataclass
class Chain:
    on_behalf_of_employer_id: int | None = None
    subcontract_chain: list[int] | None = None
    subcontract_flagged: bool = False


async def check_posting(
    session: AsyncSession, employer: Employer, *, headcount: int, on_behalf_of,
    settings: Settings, now: datetime,
) -> Chain:
    if employer.posting_blocked_at is not None:
        raise PostingNotAllowed(
            "the employer is blocked from posting after repeated substantiated complaints",
            reason="employer_blocked",
        )
    if employer.kind == "agency" and not licence_valid(employer, shanghai_today(now)):
        raise PostingNotAllowed(
            "a labour agency posts only with a valid 人力资源服务许可证 (licence number and "
            "expiry on its profile)", reason="agency_licence_invalid",
        )
    check_household_headcount(employer, headcount, settings)
    if on_behalf_of is None:
        return Chain()
    if employer.kind != "agency":
        raise field_error("/on_behalf_of", "only a licensed agency posts for another employer")
    ids = [on_behalf_of.employer_id, *on_behalf_of.via_employer_ids]
    if employer.id in ids or len(set(ids)) != len(ids):
        raise field_error("/on_behalf_of", "an employer appears twice in the chain")
    found = set(await session.scalars(select(Employer.id).where(Employer.id.in_(ids))))
    for i, employer_id in enumerate(ids):
        if employer_id not in found:
            pointer = ("/on_behalf_of/employer_id" if i == 0
                       else f"/on_behalf_of/via_employer_ids/{i - 1}")
            raise field_error(pointer, f"no employer with id {employer_id}")
    chain = [*ids, employer.id]
    # Client → poster is one hop; anything in between is 层层转包 (item 十五).
    return Chain(on_behalf_of_employer_id=ids[0], subcontract_chain=chain,
                 subcontract_flagged=len(chain) > 2)
