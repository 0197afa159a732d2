"""Labels shown to people, Vietnamese first; English comes from the gettext catalogue.

Message ids are the Vietnamese texts themselves: the product is written in Vietnamese,
and `translations/en/LC_MESSAGES/messages.po` gives the English (managed with `babel`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("vi", "en")
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"

STATUS = {
    "received": "Tiếp nhận, xử lý đơn",
    "accepted": "Đã thụ lý",
    "rejected": "Không thụ lý",
    "transferred": "Đã chuyển đơn",
    "guided": "Đã hướng dẫn",
    "archived": "Lưu đơn",
    "assigned": "Đang xác minh",
    "reported": "Đã báo cáo kết quả xác minh",
    "resolved": "Đã giải quyết",
    "closed": "Kết thúc hồ sơ",
    "withdrawn": "Đã rút đơn",
    "suspended": "Tạm đình chỉ",
}
KIND = {
    "complaint": "Khiếu nại",
    "denunciation": "Tố cáo",
    "recommendation": "Kiến nghị",
    "feedback": "Phản ánh",
}
CHANNEL = {
    "walk_in": "Trực tiếp",
    "mail": "Bưu chính",
    "email": "Thư điện tử",
    "web": "Cổng thông tin",
    "phone": "Điện thoại",
    "forwarded": "Cơ quan khác chuyển đến",
}
CLOCK = {"acceptance": "Thời hạn xử lý, thụ lý đơn", "resolution": "Thời hạn giải quyết"}
CLOCK_STATE = {
    "on_track": "Trong hạn",
    "due_soon": "Sắp đến hạn",
    "due_today": "Đến hạn hôm nay",
    "overdue": "Quá hạn",
    "met": "Hoàn thành đúng hạn",
    "met_late": "Hoàn thành trễ hạn",
    "paused": "Tạm dừng",
}
ACTION = {
    "receive": "Tiếp nhận đơn",
    "accept": "Thụ lý",
    "reject": "Không thụ lý",
    "transfer": "Chuyển đơn",
    "guide": "Hướng dẫn",
    "archive": "Lưu đơn",
    "mark_duplicate": "Đánh dấu đơn trùng",
    "assign": "Giao xác minh",
    "reassign": "Giao lại",
    "report": "Báo cáo kết quả xác minh",
    "return": "Trả lại để xác minh thêm",
    "resolve": "Ban hành quyết định / kết luận",
    "close": "Kết thúc hồ sơ",
    "withdraw": "Rút đơn",
    "continue": "Tiếp tục giải quyết đơn đã rút",
    "suspend": "Tạm đình chỉ",
    "resume": "Tiếp tục giải quyết",
    "extend": "Gia hạn",
    "open_second_round": "Mở khiếu nại lần hai",
    "resubmitted": "Công dân gửi lại đơn",
    "calendar_changed": "Cập nhật hạn theo lịch nghỉ",
    "attachment_added": "Thêm tệp đính kèm",
    "escalated": "Cảnh báo thời hạn",
    "survey": "Công dân đánh giá",
}
ROLE = {
    "reception": "Tiếp công dân / văn thư",
    "officer": "Chuyên viên",
    "unit_head": "Lãnh đạo phòng",
    "office": "Văn phòng Sở",
    "director": "Lãnh đạo Sở",
    "admin": "Quản trị",
}
RISK = {
    "overdue_10": "Quá hạn từ 10 ngày làm việc trở lên",
    "forwarded": "Đơn do cơ quan cấp trên chuyển đến",
    "resubmitted": "Công dân đã gửi lại đơn",
    "group": "Đơn đông người",
    "unhandled_45": "Quá 45 ngày chưa xử lý (có thể bị xử lý kỷ luật)",
}
LABELS = {
    "status": STATUS,
    "kind": KIND,
    "channel": CHANNEL,
    "clock": CLOCK,
    "clock_state": CLOCK_STATE,
    "action": ACTION,
    "role": ROLE,
    "risk": RISK,
}


@lru_cache
def translations(lang: str) -> NullTranslations:
    """The catalogue for a language, read straight from the .po file (no build step)."""
    po = TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == "vi" or not po.is_file():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    t = Translations()
    t._catalog = {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}
    return t


def label(group: str, value: str | None, lang: str = "vi") -> str:
    if value is None:
        return ""
    text = LABELS.get(group, {}).get(value, value)
    return translations(lang).gettext(text)
