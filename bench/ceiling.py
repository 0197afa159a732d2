"""The ceiling app: the least a FastAPI + SQLModel service on the same engine can do.

It shares `models.db.get_engine` with DonThu, so it gets the very same SQLite settings (WAL,
busy_timeout, BEGIN IMMEDIATE for writes, the same pool). A primary-key select of one case
and a single-row insert of a petitioner are what an ideal intake and look-up would cost with
no rules, no deadlines, no audit chain. DonThu's throughput is reported as a ratio of this.

Run: `uvicorn bench.ceiling:app --port 8202` with DONTHU_DATABASE_URL pointing at the bench DB.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel
from sqlmodel import Session

from models import Case, Petitioner
from models.db import new_session

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


def get_session(request: Request) -> Iterator[Session]:
    session = new_session(readonly=request.method == "GET")
    try:
        yield session
        session.commit()
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


class Item(BaseModel):
    full_name: str
    phone: str = ""


@app.get("/select/{case_id}")
def select_one(case_id: int, session: SessionDep) -> dict[str, Any]:
    case = session.get(Case, case_id)
    if case is None:
        raise HTTPException(404)
    return {"tracking_code": case.tracking_code, "status": case.status, "due_on": case.current_due_on}


@app.post("/insert", status_code=201)
def insert_one(item: Item, session: SessionDep) -> dict[str, Any]:
    row = Petitioner(full_name=item.full_name, phone=item.phone)
    session.add(row)
    session.flush()
    return {"id": row.id}
