"""Turning HTML forms into API shapes, with Vietnamese messages for what is wrong."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from workflows.errors import Invalid

FIELD_NAMES = {
    "kind": "Loại đơn",
    "round": "Lần khiếu nại",
    "channel": "Kênh tiếp nhận",
    "received_on": "Ngày nhận đơn",
    "subject": "Trích yếu",
    "content": "Nội dung đơn",
    "signatories": "Số người ký",
    "contested_decision_on": "Ngày của quyết định bị khiếu nại",
    "on": "Ngày của quyết định",
    "version": "Phiên bản",
    "email": "Thư điện tử",
}


def parse(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        names = []
        for err in exc.errors():
            field = str(err["loc"][-1]) if err["loc"] else ""
            names.append(FIELD_NAMES.get(field, field))
        raise Invalid("Vui lòng kiểm tra lại: " + ", ".join(dict.fromkeys(names)) + ".") from None


def blank_to_none(value: Any) -> Any:
    return None if value in ("", None) else value


def checkbox(form: Any, name: str) -> bool:
    return form.get(name) in ("1", "on", "true")
