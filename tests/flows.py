"""Helpers that walk a case to a given state through the real API, quickly.

Staff tokens are opened straight in the database (the login itself is tested elsewhere),
which keeps argon2 out of the hundreds of moves these tests make.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select

from models import User
from models.db import new_session
from tests.conftest import FixedClock, intake_body
from workflows.auth import open_session

#: One user per role, for refusals by role.
BY_ROLE = {
    "reception": "reception", "office": "office", "director": "director", "admin": "admin",
    "unit_head": "head.cn", "officer": "officer.cn",
}


class Flow:
    def __init__(self, client: TestClient, clock: FixedClock) -> None:
        self.client = client
        self.clock = clock
        self._tokens: dict[tuple[str, Any], dict[str, str]] = {}

    def h(self, username: str) -> dict[str, str]:
        """Bearer headers for a user, valid at the clock's current time."""
        key = (username, self.clock.now)
        if key not in self._tokens:
            with new_session() as s:
                user = s.exec(select(User).where(User.username == username)).one()
                token, _ = open_session(s, user, self.clock.now, kind="api")
                s.commit()
            self._tokens[key] = {"Authorization": f"Bearer {token}"}
        return self._tokens[key]

    def new(self, **intake: Any) -> dict[str, Any]:
        r = self.client.post("/api/v1/cases", json=intake_body(**intake), headers=self.h("reception"))
        assert r.status_code == 201, r.text
        return dict(r.json())

    def post(self, case: dict[str, Any], action: str, who: str, **fields: Any) -> Any:
        body = {"version": case["version"], **fields}
        return self.client.post(f"/api/v1/cases/{case['tracking_code']}/actions/{action}", json=body,
                                headers=self.h(who))

    def act(self, case: dict[str, Any], action: str, who: str, **fields: Any) -> dict[str, Any]:
        r = self.post(case, action, who, **fields)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def get(self, code: str, who: str = "director") -> dict[str, Any]:
        r = self.client.get(f"/api/v1/cases/{code}", headers=self.h(who))
        assert r.status_code == 200, r.text
        return dict(r.json())

    def events(self, code: str, who: str = "director") -> list[dict[str, Any]]:
        return list(self.client.get(f"/api/v1/cases/{code}/events", headers=self.h(who)).json())

    def to(self, state: str, **intake: Any) -> dict[str, Any]:
        """A case in `state`, reached by the usual moves."""
        if state in ("received", "withdrawn") or state == "received_bumped":
            case = self.new(**intake)
            if state == "withdrawn":
                case = self.act(case, "withdraw", "office", reason="Người tố cáo rút đơn bằng văn bản")
            return case
        if state in ("accepted", "suspended"):
            case = self.act(self.new(**intake), "accept", "office")
            if state == "suspended":
                case = self.act(case, "suspend", "director", decision_number="05/QĐ-SCT",
                                reason="Chờ kết quả giám định")
            return case
        case = self.act(self.to("accepted", **intake), "assign", "office", unit="QLCN", officer="officer.cn")
        if state == "assigned":
            return case
        case = self.act(case, "report", "officer.cn", result="Nội dung có cơ sở một phần.")
        if state == "reported":
            return case
        case = self.act(case, "resolve", "director", decision_number="12/QĐ-SCT", result="Chấp nhận một phần.")
        if state == "resolved":
            return case
        assert state == "closed", state
        return self.act(case, "close", "office")

    def clock_of(self, case: dict[str, Any], name: str) -> dict[str, Any]:
        return dict(next(k for k in case["clocks"] if k["name"] == name))


def d(text: str) -> date:
    return date.fromisoformat(text)
