"""The citizen's satisfaction survey and the road to a second-round complaint.

The survey is open once per case, after the decision (resolved or closed). It is how the
agency measures "sự hài lòng của người dân" for its SIPAS and PAPI plans. An unhappy answer
(overall 1 or 2) on a first-round complaint offers the citizen the second round: under Luật
Khiếu nại 2011 art. 33 a citizen who disagrees with the first decision may complain a second
time within 30 days of receiving it (45 in remote areas). DonThu opens that case itself, as
a system actor, linked to the first one (DESIGN.md §3: "An unhappy citizen's rating can open it").
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from models import Case, Kind, Status, SurveyResponse
from models.schemas import ActionBody
from workflows.audit import append_event
from workflows.auth import Principal
from workflows.calendar import WorkCalendar, vn_today
from workflows.errors import Conflict, Invalid
from workflows.lifecycle import open_second_round

SURVEY_STATUSES = frozenset({Status.resolved, Status.closed})
SCORES = ("timeliness", "attitude", "result", "overall")
UNHAPPY = 2
SECOND_ROUND_DAYS = 30
REMOTE_SECOND_ROUND_DAYS = 45
SYSTEM_ACTOR = "Công dân (qua phiếu đánh giá)"


def existing(session: Session, case: Case) -> SurveyResponse | None:
    return session.exec(select(SurveyResponse).where(SurveyResponse.case_id == case.id)).first()


def second_round_deadline(case: Case) -> date | None:
    """Last day to complain a second time: 30 days from the first decision, 45 in remote areas
    (Luật Khiếu nại 2011 art. 33(1)); counted from the decision's date, the day it is sent."""
    if case.decided_on is None:
        return None
    return case.decided_on + timedelta(days=REMOTE_SECOND_ROUND_DAYS if case.remote_area else SECOND_ROUND_DAYS)


def second_round_state(session: Session, case: Case, response: SurveyResponse | None, today: date) -> str | None:
    """'offer' for an unhappy rating of a decided first-round complaint that has no second round
    yet, 'expired' when its time limit has passed, else None."""
    if response is None or response.overall > UNHAPPY:
        return None
    if case.kind != Kind.complaint or case.round != 1 or case.status not in SURVEY_STATUSES:
        return None
    if session.exec(select(Case.id).where(Case.previous_case_id == case.id)).first() is not None:
        return None
    deadline = second_round_deadline(case)
    return "expired" if deadline is not None and today > deadline else "offer"


def submit(session: Session, case: Case, scores: dict[str, int], comment: str, *, now: datetime) -> SurveyResponse:
    """Record the answer once; a second answer for the same case is refused (409)."""
    if case.status not in SURVEY_STATUSES:
        raise Conflict("Chỉ đánh giá được khi hồ sơ đã có kết quả giải quyết.")
    if existing(session, case) is not None:
        raise Conflict("Hồ sơ này đã được đánh giá. Mỗi hồ sơ chỉ đánh giá một lần.")
    for name in SCORES:
        if scores.get(name) not in (1, 2, 3, 4, 5):
            raise Invalid("Vui lòng chấm điểm từ 1 đến 5 cho cả bốn tiêu chí.")
    row = SurveyResponse(case_id=case.id or 0, comment=comment.strip()[:2000], created_at=now,
                         **{k: scores[k] for k in SCORES})
    session.add(row)
    # The history says that a rating was given, not what the citizen wrote.
    append_event(session, case, now=now, on=vn_today(now), action="survey", actor_label=SYSTEM_ACTOR,
                 from_status=case.status, to_status=case.status, data={"overall": row.overall})
    case.version += 1
    session.flush()
    return row


def open_from_survey(session: Session, case: Case, reason: str, *, now: datetime,
                     cal: WorkCalendar) -> tuple[Case, str]:
    """Open the second-round complaint for an unhappy citizen; returns the new case and its PIN."""
    state = second_round_state(session, case, existing(session, case), vn_today(now))
    if state == "expired":
        raise Conflict("Đã quá thời hạn khiếu nại lần hai (30 ngày, vùng sâu vùng xa 45 ngày, kể từ ngày nhận "
                       "quyết định giải quyết lần đầu; Luật Khiếu nại 2011, Điều 33).")
    if state != "offer":
        raise Conflict("Không thể mở khiếu nại lần hai cho hồ sơ này qua phiếu đánh giá.")
    if not reason.strip():
        raise Invalid("Vui lòng nêu lý do không đồng ý với kết quả giải quyết lần đầu.")
    on = vn_today(now)
    system = Principal()  # no staff member: the citizen asked, through the survey
    data = ActionBody(version=case.version, note=reason.strip()[:5000])
    second, pin = open_second_round(session, system, case, data, now=now, cal=cal, on=on)
    case.version += 1
    append_event(session, case, now=now, on=on, action="open_second_round", actor_label=SYSTEM_ACTOR,
                 from_status=case.status, to_status=case.status, public=True,
                 note="Công dân không đồng ý với kết quả, đề nghị giải quyết lần hai",
                 data={"second_round": second.tracking_code})
    session.flush()
    return second, pin
