"""Every move of the lifecycle through `POST /api/v1/cases/{code}/actions/{action}`.

One class per action. Each class states its row of the table (source state, the actor,
a role that may not, a state it may not start from, the fields it needs) and inherits the
refusals every move shares; its own tests check what the move does.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient

from tests.conftest import FixedClock, Org
from tests.flows import Flow
from workflows.lifecycle import FIELD_LABELS, MOVES


@pytest.fixture
def flow(client: TestClient, clock: FixedClock, org: Org) -> Flow:
    return Flow(client, clock)


def _snapshot(flow: Flow, code: str) -> tuple[str, int, list[str]]:
    case = flow.get(code)
    return case["status"], case["version"], [e["action"] for e in flow.events(code)]


class MoveContract:
    """The refusals every move shares (DESIGN.md §3: an illegal move is refused before any write)."""

    action: ClassVar[str]
    kind: ClassVar[str] = "complaint"
    source: ClassVar[str] = "received"
    actor: ClassVar[str] = "office"
    fields: ClassVar[dict[str, Any]] = {}
    wrong_role: ClassVar[str] = "reception"
    wrong_role_status: ClassVar[int] = 409
    wrong_state: ClassVar[str] = "accepted"
    intake: ClassVar[dict[str, Any]] = {}

    def ready(self, flow: Flow, state: str | None = None) -> dict[str, Any]:
        return flow.to(state or self.source, kind=self.kind, **self.intake)

    def test_a_role_outside_the_table_is_refused_and_nothing_is_written(self, flow: Flow) -> None:
        case = self.ready(flow)
        before = _snapshot(flow, case["tracking_code"])
        r = flow.post(case, self.action, self.wrong_role, **self.fields)
        assert r.status_code == self.wrong_role_status, r.text
        if self.wrong_role_status == 409:
            assert "Vai trò của bạn không được" in r.json()["detail"]
        else:  # out of the role's scope: reported as not found, codes cannot be probed
            assert r.json()["detail"] == "Không tìm thấy hồ sơ."
        assert _snapshot(flow, case["tracking_code"]) == before

    def test_a_state_outside_the_table_is_409_and_says_what_is_allowed(self, flow: Flow) -> None:
        case = self.ready(flow, self.wrong_state)
        before = _snapshot(flow, case["tracking_code"])
        r = flow.post(case, self.action, self.actor, **self.fields)
        assert r.status_code == 409, r.text
        detail = r.json()["detail"]
        assert "Không thể" in detail or "không áp dụng" in detail
        assert _snapshot(flow, case["tracking_code"]) == before

    def test_a_second_save_from_the_same_version_is_409_and_writes_nothing(self, flow: Flow) -> None:
        case = self.ready(flow)
        flow.act(case, self.action, self.actor, **self.fields)
        after_first = _snapshot(flow, case["tracking_code"])
        r = flow.post(case, self.action, self.actor, **self.fields)
        assert r.status_code == 409, r.text
        assert "tải lại trang" in r.json()["detail"]
        assert _snapshot(flow, case["tracking_code"]) == after_first


class NeedsFieldsContract(MoveContract):
    """Moves that need fields (a reason for `reject`, a unit for `assign`, ...)."""

    def test_each_missing_required_field_is_422_naming_it(self, flow: Flow) -> None:
        requires = MOVES[self.action].requires
        assert requires
        case = self.ready(flow)
        before = _snapshot(flow, case["tracking_code"])
        for field in requires:
            r = flow.post(case, self.action, self.actor, **{**self.fields, field: "  "})
            assert r.status_code == 422, r.text
            assert FIELD_LABELS[field] in r.json()["detail"]
        assert _snapshot(flow, case["tracking_code"]) == before



class TestAccept(MoveContract):
    action = "accept"

    def test_accept_stops_the_acceptance_clock_and_starts_resolution_on_the_decision_date(
        self, flow: Flow, clock: FixedClock,
    ) -> None:
        clock.set(date(2026, 8, 5))
        case = flow.act(flow.new(received_on="2026-07-28"), "accept", "office", on="2026-08-03")
        assert case["status"] == "accepted"
        assert flow.clock_of(case, "acceptance")["state"] == "met"
        resolution = flow.clock_of(case, "resolution")
        assert (resolution["starts_on"], resolution["due_on"]) == ("2026-08-03", "2026-09-03")

    def test_a_complex_complaint_gets_the_complex_period(self, flow: Flow, clock: FixedClock) -> None:
        clock.set(date(2026, 8, 3))
        case = flow.act(flow.new(), "accept", "director", complex=True)
        assert flow.clock_of(case, "resolution")["due_on"] == "2026-09-17"  # 45 days
        assert case["complex"] is True

    def test_an_anonymous_denunciation_is_refused(self, flow: Flow) -> None:
        case = flow.new(kind="denunciation", anonymous=True, petitioner={})
        assert "accept" not in flow.get(case["tracking_code"], "office")["allowed_actions"]
        r = flow.post(case, "accept", "office")
        assert r.status_code == 409
        assert "nặc danh" in r.json()["detail"]


class TestReject(NeedsFieldsContract):
    action = "reject"
    fields = {"reason": "Đã hết thời hiệu khiếu nại"}

    def test_reject_records_the_reason_and_meets_the_acceptance_clock(self, flow: Flow) -> None:
        case = flow.act(flow.new(), "reject", "office", reason="Đã hết thời hiệu khiếu nại")
        assert case["status"] == "rejected"
        assert case["result"] == "Đã hết thời hiệu khiếu nại"
        assert flow.clock_of(case, "acceptance")["state"] == "met"
        assert [k["name"] for k in case["clocks"]] == ["acceptance"]


class TestTransfer(NeedsFieldsContract):
    action = "transfer"
    fields = {"target_agency": "UBND huyện Đông Anh"}

    def test_transfer_names_the_competent_agency(self, flow: Flow) -> None:
        case = flow.act(flow.new(), "transfer", "office", target_agency="UBND huyện Đông Anh")
        assert (case["status"], case["target_agency"]) == ("transferred", "UBND huyện Đông Anh")
        assert case["allowed_actions"] == []

    def test_a_denunciation_forwarded_as_not_competent_has_five_working_days(
        self, flow: Flow, clock: FixedClock,
    ) -> None:
        # Luật Tố cáo art. 24(2); Saturday 22/08/2026 is a working day.
        clock.set(date(2026, 8, 24))
        case = flow.new(kind="denunciation", received_on="2026-08-18")
        case = flow.act(case, "transfer", "office", target_agency="Thanh tra tỉnh")
        acceptance = flow.clock_of(case, "acceptance")
        assert (acceptance["due_on"], acceptance["state"]) == ("2026-08-24", "met")

    def test_the_same_content_is_not_transferred_a_second_time(self, flow: Flow) -> None:
        flow.act(flow.new(), "transfer", "office", target_agency="UBND huyện Đông Anh")
        again = flow.new()
        r = flow.post(again, "transfer", "office", target_agency="UBND huyện Đông Anh")
        assert r.status_code == 409
        assert "không chuyển lại lần thứ hai" in r.json()["detail"]
        assert flow.get(again["tracking_code"])["status"] == "received"

    def test_different_content_from_another_person_is_transferred(self, flow: Flow) -> None:
        flow.act(flow.new(), "transfer", "office", target_agency="UBND huyện Đông Anh")
        other = flow.new(subject="Phản ánh về an toàn điện", content="Cột điện nghiêng trước nhà số 5.",
                         petitioner={"full_name": "Trần Thị Bình", "phone": "0987000111"})
        assert flow.act(other, "transfer", "office", target_agency="Điện lực")["status"] == "transferred"


class TestGuide(NeedsFieldsContract):
    action = "guide"
    fields = {"target_agency": "Toà án nhân dân tỉnh"}
    actor = "reception"
    wrong_role = "admin"
    wrong_role_status = 404

    def test_guide_tells_the_complainant_the_competent_agency(self, flow: Flow) -> None:
        case = flow.act(flow.new(), "guide", "reception", target_agency="Toà án nhân dân tỉnh")
        assert (case["status"], case["target_agency"]) == ("guided", "Toà án nhân dân tỉnh")

    def test_guide_does_not_apply_to_a_denunciation(self, flow: Flow) -> None:
        r = flow.post(flow.new(kind="denunciation"), "guide", "office", target_agency="Công an tỉnh")
        assert r.status_code == 409
        assert "không áp dụng cho đơn tố cáo" in r.json()["detail"]


class TestArchive(NeedsFieldsContract):
    action = "archive"
    fields = {"reason": "Đơn không rõ nội dung"}
    actor = "reception"
    wrong_role = "admin"
    wrong_role_status = 404

    def test_archive_files_the_petition_without_handling(self, flow: Flow) -> None:
        case = flow.act(flow.new(), "archive", "reception", reason="Đơn không rõ nội dung")
        assert case["status"] == "archived"
        assert flow.clock_of(case, "acceptance")["state"] == "met"

    def test_an_anonymous_denunciation_can_only_be_archived(self, flow: Flow) -> None:
        case = flow.new(kind="denunciation", anonymous=True, petitioner={})
        assert flow.get(case["tracking_code"], "office")["allowed_actions"] == ["archive", "mark_duplicate"]
        for action, fields in (("reject", {"reason": "x"}), ("transfer", {"target_agency": "Công an"}),
                               ("withdraw", {"reason": "x"})):
            r = flow.post(case, action, "office", **fields)
            assert r.status_code == 409
            assert "nặc danh" in r.json()["detail"]
        case = flow.act(case, "archive", "office", reason="Tố cáo nặc danh, lưu để theo dõi, quản lý")
        assert case["status"] == "archived"


class TestMarkDuplicate(NeedsFieldsContract):
    action = "mark_duplicate"
    actor = "reception"
    wrong_role = "admin"
    wrong_role_status = 404

    def ready(self, flow: Flow, state: str | None = None) -> dict[str, Any]:
        master = flow.to("accepted")
        self.fields = {"master": master["tracking_code"]}
        return flow.to(state or self.source)

    def test_the_duplicate_is_linked_archived_and_raises_the_masters_resubmitted(self, flow: Flow) -> None:
        master = flow.to("accepted")
        dup = flow.act(flow.new(), "mark_duplicate", "reception", master=master["tracking_code"])
        assert (dup["status"], dup["duplicate_of"]) == ("archived", master["tracking_code"])
        after = flow.get(master["tracking_code"])
        assert (after["resubmitted"], after["version"], after["status"]) == (1, master["version"] + 1, "accepted")
        assert "resubmitted" in after["risk_reasons"]
        assert flow.events(master["tracking_code"])[-1]["action"] == "resubmitted"

    def test_an_unknown_master_is_422(self, flow: Flow) -> None:
        r = flow.post(flow.new(), "mark_duplicate", "office", master="26ZZZZZZ")
        assert r.status_code == 422
        assert "Không tìm thấy hồ sơ gốc" in r.json()["detail"]

    def test_a_case_cannot_be_its_own_master(self, flow: Flow) -> None:
        case = flow.new()
        r = flow.post(case, "mark_duplicate", "office", master=case["tracking_code"])
        assert r.status_code == 422


class TestAssign(NeedsFieldsContract):
    action = "assign"
    source = "accepted"
    wrong_state = "received"
    fields = {"unit": "QLCN", "officer": "officer.cn"}

    def test_assign_gives_the_case_to_a_unit_and_an_officer(self, flow: Flow) -> None:
        case = flow.act(flow.to("accepted"), "assign", "office", unit="QLCN", officer="officer.cn")
        assert (case["status"], case["unit"], case["officer"]) == ("assigned", "QLCN", "officer.cn")
        assert flow.get(case["tracking_code"], "officer.cn")["status"] == "assigned"  # now in the unit's scope

    def test_an_officer_of_another_unit_is_422(self, flow: Flow) -> None:
        r = flow.post(flow.to("accepted"), "assign", "office", unit="QLCN", officer="officer.tm")
        assert r.status_code == 422
        assert "không thuộc" in r.json()["detail"]

    def test_an_unknown_unit_is_422(self, flow: Flow) -> None:
        r = flow.post(flow.to("accepted"), "assign", "office", unit="XYZ")
        assert r.status_code == 422


class TestReassign(MoveContract):
    action = "reassign"
    source = "assigned"
    actor = "head.cn"
    wrong_role = "officer.cn"
    wrong_state = "reported"
    fields = {"officer": "head.cn"}

    def test_a_unit_head_reassigns_inside_the_unit(self, flow: Flow) -> None:
        case = flow.act(flow.to("assigned"), "reassign", "head.cn", officer="head.cn")
        assert (case["status"], case["unit"], case["officer"]) == ("assigned", "QLCN", "head.cn")

    def test_a_unit_head_cannot_move_the_case_to_another_unit(self, flow: Flow) -> None:
        r = flow.post(flow.to("assigned"), "reassign", "head.cn", unit="QLTM", officer="officer.tm")
        assert r.status_code == 409
        assert "trong đơn vị mình" in r.json()["detail"]

    def test_the_office_moves_the_case_to_another_unit(self, flow: Flow) -> None:
        case = flow.act(flow.to("assigned"), "reassign", "office", unit="QLTM", officer="officer.tm")
        assert (case["unit"], case["officer"]) == ("QLTM", "officer.tm")
        r = flow.client.get(f"/api/v1/cases/{case['tracking_code']}", headers=flow.h("officer.cn"))
        assert r.status_code == 404  # out of the old unit's scope


class TestReport(NeedsFieldsContract):
    action = "report"
    source = "assigned"
    actor = "officer.cn"
    wrong_role = "office"
    wrong_state = "reported"
    fields = {"result": "Nội dung tố cáo đúng một phần."}

    def test_the_officer_reports_findings_for_the_decision(self, flow: Flow) -> None:
        case = flow.act(flow.to("assigned"), "report", "officer.cn", result="Nội dung đúng một phần.")
        assert case["status"] == "reported"
        assert flow.events(case["tracking_code"])[-1]["data"]["findings"] == "Nội dung đúng một phần."
        assert flow.clock_of(case, "resolution")["state"] in ("on_track", "due_soon")


class TestReturn(NeedsFieldsContract):
    action = "return"
    source = "reported"
    wrong_role = "officer.cn"
    wrong_state = "assigned"
    fields = {"reason": "Cần xác minh thêm hoá đơn"}

    def test_return_sends_the_findings_back_to_the_unit(self, flow: Flow) -> None:
        case = flow.act(flow.to("reported"), "return", "director", reason="Cần xác minh thêm hoá đơn")
        assert (case["status"], case["unit"]) == ("assigned", "QLCN")


class TestResolve(NeedsFieldsContract):
    action = "resolve"
    source = "reported"
    actor = "director"
    wrong_role = "office"
    wrong_state = "assigned"
    fields = {"decision_number": "15/QĐ-SCT", "result": "Giữ nguyên quyết định"}

    def test_resolve_records_the_decision_and_meets_the_resolution_clock(self, flow: Flow) -> None:
        case = flow.act(flow.to("reported"), "resolve", "director", decision_number="15/QĐ-SCT",
                        result="Giữ nguyên quyết định")
        assert (case["status"], case["decision_number"], case["decided_on"]) == ("resolved", "15/QĐ-SCT",
                                                                                 "2026-11-26")
        assert flow.clock_of(case, "resolution")["state"] == "met"

    def test_a_late_decision_is_met_late(self, flow: Flow, clock: FixedClock) -> None:
        case = flow.to("reported")
        clock.set(date(2027, 1, 4))
        case = flow.act(case, "resolve", "director", decision_number="1/QĐ", result="x")
        assert flow.clock_of(case, "resolution")["state"] == "met_late"


class TestClose(MoveContract):
    action = "close"
    source = "resolved"
    wrong_state = "reported"

    def test_close_ends_the_file(self, flow: Flow) -> None:
        case = flow.act(flow.to("resolved"), "close", "office")
        assert case["status"] == "closed"
        assert case["allowed_actions"] == ["open_second_round"]


class TestWithdraw(NeedsFieldsContract):
    action = "withdraw"
    source = "assigned"
    wrong_role = "officer.cn"
    wrong_state = "closed"
    fields = {"reason": "Người khiếu nại rút đơn bằng văn bản"}

    def test_a_withdrawn_complaint_is_finished_and_its_clock_stops(self, flow: Flow) -> None:
        case = flow.act(flow.to("accepted"), "withdraw", "office", reason="Rút đơn")
        assert case["status"] == "withdrawn"
        assert flow.clock_of(case, "resolution")["state"] == "met"
        assert case["allowed_actions"] == []

    def test_a_withdrawn_denunciation_keeps_its_clock_paused_for_the_office(self, flow: Flow) -> None:
        case = flow.act(flow.to("accepted", kind="denunciation"), "withdraw", "reception", reason="Rút đơn")
        assert flow.clock_of(case, "resolution")["state"] == "paused"
        assert "continue" in flow.get(case["tracking_code"], "office")["allowed_actions"]


class TestContinue(NeedsFieldsContract):
    action = "continue"
    kind = "denunciation"
    source = "withdrawn"
    wrong_state = "received"
    fields = {"reason": "Có dấu hiệu vi phạm pháp luật"}

    def test_the_office_continues_a_withdrawn_denunciation_with_the_days_left(
        self, flow: Flow, clock: FixedClock,
    ) -> None:
        # Luật Tố cáo 2018 art. 33(2). Accepted 02/11, due 02/12 (30 days); withdrawn 12/11 with 20 days left.
        clock.set(date(2026, 11, 2))
        case = flow.act(flow.new(kind="denunciation"), "accept", "office")
        assert flow.clock_of(case, "resolution")["due_on"] == "2026-12-02"
        clock.set(date(2026, 11, 12))
        case = flow.act(case, "withdraw", "office", reason="Người tố cáo rút đơn")
        clock.set(date(2026, 11, 20))
        case = flow.act(case, "continue", "office", reason="Có dấu hiệu vi phạm pháp luật")
        assert case["status"] == "accepted"
        resolution = flow.clock_of(case, "resolution")
        assert (resolution["starts_on"], resolution["due_on"], resolution["state"]) == (
            "2026-11-20", "2026-12-10", "on_track")

    def test_a_withdrawn_complaint_cannot_be_continued(self, flow: Flow) -> None:
        case = flow.to("withdrawn")
        r = flow.post(case, "continue", "office", reason="x")
        assert r.status_code == 409
        assert "không áp dụng cho đơn khiếu nại" in r.json()["detail"]


class TestSuspend(NeedsFieldsContract):
    action = "suspend"
    source = "accepted"
    actor = "director"
    wrong_role = "office"
    wrong_state = "reported"
    fields = {"decision_number": "05/QĐ-SCT", "reason": "Chờ kết quả giám định"}

    def test_suspend_pauses_the_resolution_clock(self, flow: Flow) -> None:
        case = flow.act(flow.to("assigned"), "suspend", "director", decision_number="05/QĐ-SCT", reason="Chờ")
        assert case["status"] == "suspended"
        resolution = flow.clock_of(case, "resolution")
        assert (resolution["state"], resolution["paused_on"]) == ("paused", "2026-11-26")
        assert case["due_on"] is None


class TestResume(NeedsFieldsContract):
    action = "resume"
    source = "suspended"
    actor = "director"
    wrong_role = "office"
    fields = {"decision_number": "07/QĐ-SCT"}

    def test_resume_returns_to_the_held_state(self, flow: Flow) -> None:
        case = flow.to("assigned")
        case = flow.act(case, "suspend", "director", decision_number="05/QĐ", reason="Chờ")
        case = flow.act(case, "resume", "director", decision_number="07/QĐ")
        assert (case["status"], case["unit"]) == ("assigned", "QLCN")
        assert flow.clock_of(case, "resolution")["state"] != "paused"


class TestExtend(NeedsFieldsContract):
    action = "extend"
    source = "accepted"
    actor = "director"
    wrong_role = "office"
    wrong_state = "received"
    kind = "denunciation"
    fields = {"decision_number": "20/QĐ-SCT", "especially_complex": True}

    def test_extend_lengthens_the_resolution_period_by_thirty_days(self, flow: Flow, clock: FixedClock) -> None:
        clock.set(date(2026, 11, 2))
        case = flow.act(flow.new(kind="denunciation"), "accept", "office")
        case = flow.act(case, "extend", "director", decision_number="20/QĐ-SCT", complex=True)
        assert flow.clock_of(case, "resolution")["due_on"] == "2027-01-04"  # 02/11 + 60 = 01/01 (holiday), Sat, Sun
        assert case["extension_count"] == 1


class TestOpenSecondRound(MoveContract):
    action = "open_second_round"
    source = "resolved"
    wrong_role = "officer.cn"
    wrong_state = "reported"

    def test_a_round_two_complaint_is_created_and_linked(self, flow: Flow) -> None:
        first = flow.to("closed")
        second = flow.act(first, "open_second_round", "reception", note="Không đồng ý với quyết định lần đầu")
        assert second["tracking_code"] != first["tracking_code"]
        assert (second["kind"], second["round"], second["status"]) == ("complaint", 2, "received")
        assert second["previous_case"] == first["tracking_code"]
        assert len(second["pin"]) == 6
        assert flow.events(first["tracking_code"])[-1]["data"]["second_round"] == second["tracking_code"]
        assert "open_second_round" not in flow.get(second["tracking_code"])["allowed_actions"]

    def test_a_second_round_is_opened_only_once(self, flow: Flow) -> None:
        first = flow.to("closed")
        flow.act(first, "open_second_round", "office")
        again = flow.get(first["tracking_code"])
        r = flow.post(again, "open_second_round", "office")
        assert r.status_code == 409
        assert "Đã có khiếu nại lần hai" in r.json()["detail"]


def _contracts(base: type[MoveContract]) -> list[type[MoveContract]]:
    out = []
    for cls in base.__subclasses__():
        out += [cls, *_contracts(cls)]
    return out


def test_every_action_of_the_table_has_a_test_class_that_checks_its_fields() -> None:
    classes = [c for c in _contracts(MoveContract) if c is not NeedsFieldsContract]
    assert sorted(c.action for c in classes) == sorted(MOVES)
    for cls in classes:
        assert bool(MOVES[cls.action].requires) == issubclass(cls, NeedsFieldsContract), cls.action


class TestLegalDateOfAMove:
    def test_a_decision_date_in_the_future_is_refused(self, flow: Flow) -> None:
        case = flow.new()
        r = flow.post(case, "accept", "office", on="2026-11-27")
        assert r.status_code == 422
        assert "tương lai" in r.json()["detail"]

    def test_a_decision_date_before_the_previous_event_is_refused(self, flow: Flow) -> None:
        case = flow.new(received_on="2026-11-20")
        r = flow.post(case, "accept", "office", on="2026-11-19")
        assert r.status_code == 422
        assert "20/11/2026" in r.json()["detail"]
        assert flow.get(case["tracking_code"])["status"] == "received"

    def test_a_back_dated_decision_on_the_day_of_the_previous_event_is_accepted(self, flow: Flow) -> None:
        case = flow.act(flow.new(received_on="2026-11-20"), "accept", "office", on="2026-11-20")
        assert flow.clock_of(case, "resolution")["starts_on"] == "2026-11-20"

    def test_an_unknown_action_is_422_and_lists_the_actions(self, flow: Flow) -> None:
        r = flow.post(flow.new(), "approve", "office")
        assert r.status_code == 422
        assert "accept" in r.json()["detail"]
