"""The rules the law adds, through the API, on real dates (DESIGN.md §4; issue 3)."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from tests.conftest import FixedClock, Org, page_login
from tests.flows import Flow


@pytest.fixture
def flow(client: TestClient, clock: FixedClock, org: Org) -> Flow:
    return Flow(client, clock)


def _accepted(flow: Flow, clock: FixedClock, on: date, **intake: object) -> dict[str, object]:
    clock.set(on)
    return flow.act(flow.new(received_on=(intake.pop("received_on", on.isoformat())), **intake),
                    "accept", "office", on=on.isoformat())


class TestTheIssuesExamples:
    def test_a_denunciation_received_on_13_february_2026_is_due_for_acceptance_on_3_march(
        self, flow: Flow, clock: FixedClock,
    ) -> None:
        # 7 working days across Tết Bính Ngọ (16–20/02/2026 off).
        clock.set(date(2026, 2, 13))
        case = flow.new(kind="denunciation")
        acceptance = flow.clock_of(case, "acceptance")
        assert (acceptance["starts_on"], acceptance["due_on"]) == ("2026-02-13", "2026-03-03")
        assert "Luật Tố cáo" in acceptance["basis"]

    def test_a_round_one_complaint_accepted_on_3_august_2026_is_due_on_3_september(
        self, flow: Flow, clock: FixedClock,
    ) -> None:
        # 30 calendar days end on 02/09, National Day: the next working day is Thursday 03/09.
        case = _accepted(flow, clock, date(2026, 8, 3), received_on="2026-07-28")
        assert flow.clock_of(case, "resolution")["due_on"] == "2026-09-03"


class TestComplaintAcceptancePeriodByDateOfReceipt:
    def test_received_on_30_june_2026_has_ten_working_days(self, flow: Flow, clock: FixedClock) -> None:
        clock.set(date(2026, 7, 2))
        acceptance = flow.clock_of(flow.new(received_on="2026-06-30"), "acceptance")
        assert (acceptance["period"], acceptance["due_on"]) == (10, "2026-07-14")

    def test_received_on_1_july_2026_has_seven_working_days(self, flow: Flow, clock: FixedClock) -> None:
        clock.set(date(2026, 7, 2))
        acceptance = flow.clock_of(flow.new(received_on="2026-07-01"), "acceptance")
        assert (acceptance["period"], acceptance["due_on"]) == (7, "2026-07-10")
        assert "155/2026" in acceptance["basis"]


class TestWorkingDayCalendarThroughIntake:
    def test_the_make_up_saturday_22_august_2026_counts(self, flow: Flow, clock: FixedClock) -> None:
        clock.set(date(2026, 8, 18))
        assert flow.clock_of(flow.new(), "acceptance")["due_on"] == "2026-08-26"

    def test_the_days_off_around_national_day_2026_do_not_count(self, flow: Flow, clock: FixedClock) -> None:
        # Thursday 27/08: 28/08, then 31/08–02/09 off, then 03, 04, 07, 08, 09, 10/09.
        clock.set(date(2026, 8, 27))
        assert flow.clock_of(flow.new(), "acceptance")["due_on"] == "2026-09-10"

    def test_tet_2027_does_not_count(self, flow: Flow, clock: FixedClock) -> None:
        clock.set(date(2027, 2, 1))
        case = flow.new(kind="recommendation")
        assert flow.clock_of(case, "acceptance")["due_on"] == "2027-02-22"

    def test_tet_2026_in_a_calendar_day_period_moves_the_end(self, flow: Flow, clock: FixedClock) -> None:
        # Denunciation accepted 20/01/2026: 30 days end on 19/02, in Tết; next working day 23/02.
        case = _accepted(flow, clock, date(2026, 1, 20), kind="denunciation")
        assert flow.clock_of(case, "resolution")["due_on"] == "2026-02-23"


class TestComplexAndRemotePeriods:
    @pytest.mark.parametrize(("round_", "remote", "complex_", "due"), [
        (1, False, False, "2026-09-03"),
        (1, False, True, "2026-09-17"),
        (1, True, False, "2026-09-17"),
        (1, True, True, "2026-10-02"),
        (2, False, False, "2026-09-17"),
        (2, False, True, "2026-10-02"),
        (2, True, False, "2026-10-02"),
        (2, True, True, "2026-10-12"),
    ])
    def test_the_resolution_period_follows_round_remote_area_and_complexity(
        self, flow: Flow, clock: FixedClock, round_: int, remote: bool, complex_: bool, due: str,
    ) -> None:
        clock.set(date(2026, 8, 3))
        case = flow.new(round=round_, remote_area=remote)
        case = flow.act(case, "accept", "office", complex=complex_)
        assert flow.clock_of(case, "resolution")["due_on"] == due


class TestDenunciationExtensions:
    """Luật Tố cáo 2018 art. 30(1): complex +30 days once; especially complex +30 days twice."""

    def test_a_complex_denunciation_is_extended_once_and_the_second_is_refused(
        self, flow: Flow, clock: FixedClock,
    ) -> None:
        case = _accepted(flow, clock, date(2026, 3, 2), kind="denunciation")
        assert flow.clock_of(case, "resolution")["due_on"] == "2026-04-01"
        case = flow.act(case, "extend", "director", decision_number="20/QĐ-SCT", complex=True)
        assert flow.clock_of(case, "resolution")["due_on"] == "2026-05-04"  # 01/05 off, 02–03/05 weekend
        assert flow.events(case["tracking_code"])[-1]["data"]["decision_number"] == "20/QĐ-SCT"
        r = flow.post(case, "extend", "director", decision_number="21/QĐ-SCT", complex=True)
        assert r.status_code == 409
        assert "tối đa" in r.json()["detail"]

    def test_an_especially_complex_denunciation_is_extended_twice_and_the_third_is_refused(
        self, flow: Flow, clock: FixedClock,
    ) -> None:
        case = _accepted(flow, clock, date(2026, 3, 2), kind="denunciation")
        case = flow.act(case, "extend", "director", decision_number="20/QĐ", especially_complex=True)
        assert flow.clock_of(case, "resolution")["due_on"] == "2026-05-04"
        case = flow.act(case, "extend", "director", decision_number="25/QĐ", especially_complex=True)
        assert flow.clock_of(case, "resolution")["due_on"] == "2026-06-01"  # 31/05 is a Sunday
        assert (case["extension_count"], case["especially_complex"]) == (2, True)
        r = flow.post(case, "extend", "director", decision_number="30/QĐ", especially_complex=True)
        assert r.status_code == 409
        assert "hai lần" in r.json()["detail"]

    def test_an_extension_needs_a_decision_number(self, flow: Flow, clock: FixedClock) -> None:
        case = _accepted(flow, clock, date(2026, 3, 2), kind="denunciation")
        r = flow.post(case, "extend", "director", complex=True)
        assert r.status_code == 422
        assert "số văn bản, quyết định" in r.json()["detail"]

    def test_an_extension_needs_the_case_to_be_declared_complex(self, flow: Flow, clock: FixedClock) -> None:
        case = _accepted(flow, clock, date(2026, 3, 2), kind="denunciation")
        r = flow.post(case, "extend", "director", decision_number="20/QĐ")
        assert r.status_code == 422
        assert "phức tạp" in r.json()["detail"]


class TestComplaintExtension:
    def test_a_complaint_moves_to_the_complex_period_once(self, flow: Flow, clock: FixedClock) -> None:
        case = _accepted(flow, clock, date(2026, 8, 3))
        case = flow.act(case, "extend", "director", decision_number="30/QĐ-SCT")
        assert flow.clock_of(case, "resolution")["due_on"] == "2026-09-17"  # 45 days (Luật Khiếu nại art. 28)
        assert case["complex"] is True
        r = flow.post(case, "extend", "director", decision_number="31/QĐ-SCT")
        assert r.status_code == 409

    def test_a_remote_round_two_complaint_moves_to_seventy_days(self, flow: Flow, clock: FixedClock) -> None:
        case = _accepted(flow, clock, date(2026, 8, 3), round=2, remote_area=True)
        case = flow.act(case, "extend", "director", decision_number="30/QĐ-SCT")
        assert flow.clock_of(case, "resolution")["due_on"] == "2026-10-12"

    def test_a_recommendation_has_no_extension(self, flow: Flow, clock: FixedClock) -> None:
        case = _accepted(flow, clock, date(2026, 8, 3), kind="recommendation")
        r = flow.post(case, "extend", "director", decision_number="30/QĐ-SCT")
        assert r.status_code == 409


class TestSuspendAndResume:
    def test_resume_restarts_the_clock_with_the_days_that_were_left(self, flow: Flow, clock: FixedClock) -> None:
        # Accepted 03/08, due 03/09. Suspended 13/08 with 21 days left; resumed 14/09 → 05/10.
        case = _accepted(flow, clock, date(2026, 8, 3))
        clock.set(date(2026, 8, 13))
        case = flow.act(case, "suspend", "director", decision_number="05/QĐ-SCT", reason="Chờ giám định")
        resolution = flow.clock_of(case, "resolution")
        assert (resolution["state"], resolution["paused_on"]) == ("paused", "2026-08-13")
        clock.set(date(2026, 9, 14))
        assert flow.clock_of(flow.get(case["tracking_code"]), "resolution")["state"] == "paused"  # never overdue
        case = flow.act(case, "resume", "director", decision_number="09/QĐ-SCT")
        resolution = flow.clock_of(case, "resolution")
        assert (case["status"], resolution["starts_on"], resolution["due_on"], resolution["period"]) == (
            "accepted", "2026-09-14", "2026-10-05", 21)
        assert case["due_on"] == "2026-10-05"


class TestWithdrawnDenunciation:
    def test_the_office_continues_it_and_the_acceptance_clock_resumes(self, flow: Flow, clock: FixedClock) -> None:
        clock.set(date(2026, 11, 2))
        case = flow.new(kind="denunciation")
        assert flow.clock_of(case, "acceptance")["due_on"] == "2026-11-11"
        clock.set(date(2026, 11, 4))
        case = flow.act(case, "withdraw", "reception", reason="Rút đơn")  # 5 working days left
        assert case["status"] == "withdrawn"
        clock.set(date(2026, 11, 9))
        case = flow.act(case, "continue", "office", reason="Có dấu hiệu vi phạm")
        acceptance = flow.clock_of(case, "acceptance")
        assert (case["status"], acceptance["due_on"]) == ("received", "2026-11-16")

    def test_the_director_but_not_reception_may_continue_it(self, flow: Flow) -> None:
        case = flow.act(flow.new(kind="denunciation"), "withdraw", "reception", reason="Rút đơn")
        r = flow.post(case, "continue", "reception", reason="x")
        assert r.status_code == 409
        assert flow.act(case, "continue", "director", reason="Có dấu hiệu vi phạm")["status"] == "received"


class TestSecondRound:
    def test_the_round_two_case_gets_the_round_two_periods(self, flow: Flow, clock: FixedClock) -> None:
        clock.set(date(2026, 7, 1))
        first = flow.to("closed", remote_area=True)
        clock.set(date(2026, 8, 3))
        second = flow.act(first, "open_second_round", "office", note="Không đồng ý")
        assert (second["round"], second["received_on"], second["remote_area"]) == (2, "2026-08-03", True)
        second = flow.act(second, "accept", "office")
        resolution = flow.clock_of(second, "resolution")
        assert (resolution["period"], resolution["due_on"]) == (60, "2026-10-02")
        assert "art. 37" in resolution["basis"]

    def test_a_denunciation_has_no_second_round(self, flow: Flow) -> None:
        case = flow.to("resolved", kind="denunciation")
        assert "open_second_round" not in case["allowed_actions"]
        r = flow.post(case, "open_second_round", "office")
        assert r.status_code == 409


class TestLimitationWarning:
    """Luật Khiếu nại 2011 art. 9: 90 days from the contested decision; warn, never block."""

    def test_a_complaint_filed_91_days_after_the_decision_is_flagged(self, flow: Flow, clock: FixedClock) -> None:
        clock.set(date(2026, 8, 3))
        case = flow.new(contested_decision_on="2026-05-04")
        assert (case["status"], case["limitation_warning"]) == ("received", True)
        page_login(flow.client, "office")
        assert "Quá thời hiệu khiếu nại 90 ngày" in flow.client.get(f"/cases/{case['tracking_code']}").text

    def test_a_complaint_filed_90_days_after_the_decision_is_not_flagged(self, flow: Flow, clock: FixedClock) -> None:
        clock.set(date(2026, 8, 3))
        assert flow.new(contested_decision_on="2026-05-05")["limitation_warning"] is False
