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


def N_(text: str) -> str:
    """Marks a label for extraction into the catalogue (`make i18n`); translated when shown."""
    return text


STATUS = {
    "received": N_("Tiếp nhận, xử lý đơn"),
    "accepted": N_("Đã thụ lý"),
    "rejected": N_("Không thụ lý"),
    "transferred": N_("Đã chuyển đơn"),
    "guided": N_("Đã hướng dẫn"),
    "archived": N_("Lưu đơn"),
    "assigned": N_("Đang xác minh"),
    "reported": N_("Đã báo cáo kết quả xác minh"),
    "resolved": N_("Đã giải quyết"),
    "closed": N_("Kết thúc hồ sơ"),
    "withdrawn": N_("Đã rút đơn"),
    "suspended": N_("Tạm đình chỉ"),
}
KIND = {
    "complaint": N_("Khiếu nại"),
    "denunciation": N_("Tố cáo"),
    "recommendation": N_("Kiến nghị"),
    "feedback": N_("Phản ánh"),
}
CHANNEL = {
    "walk_in": N_("Trực tiếp"),
    "mail": N_("Bưu chính"),
    "email": N_("Thư điện tử"),
    "web": N_("Cổng thông tin"),
    "phone": N_("Điện thoại"),
    "forwarded": N_("Cơ quan khác chuyển đến"),
}
CLOCK = {"acceptance": N_("Thời hạn xử lý, thụ lý đơn"), "resolution": N_("Thời hạn giải quyết"),
         "extension": N_("Gia hạn giải quyết"), "limitation": N_("Thời hiệu khiếu nại")}
CLOCK_STATE = {
    "on_track": N_("Trong hạn"),
    "due_soon": N_("Sắp đến hạn"),
    "due_today": N_("Đến hạn hôm nay"),
    "overdue": N_("Quá hạn"),
    "met": N_("Hoàn thành đúng hạn"),
    "met_late": N_("Hoàn thành trễ hạn"),
    "paused": N_("Tạm dừng"),
}
ACTION = {
    "receive": N_("Tiếp nhận đơn"),
    "accept": N_("Thụ lý"),
    "reject": N_("Không thụ lý"),
    "transfer": N_("Chuyển đơn"),
    "guide": N_("Hướng dẫn"),
    "archive": N_("Lưu đơn"),
    "mark_duplicate": N_("Đánh dấu đơn trùng"),
    "assign": N_("Giao xác minh"),
    "reassign": N_("Giao lại"),
    "report": N_("Báo cáo kết quả xác minh"),
    "return": N_("Trả lại để xác minh thêm"),
    "resolve": N_("Ban hành quyết định / kết luận"),
    "close": N_("Kết thúc hồ sơ"),
    "withdraw": N_("Rút đơn"),
    "continue": N_("Tiếp tục giải quyết đơn đã rút"),
    "suspend": N_("Tạm đình chỉ"),
    "resume": N_("Tiếp tục giải quyết"),
    "extend": N_("Gia hạn"),
    "open_second_round": N_("Mở khiếu nại lần hai"),
    "resubmitted": N_("Công dân gửi lại đơn"),
    "calendar_changed": N_("Cập nhật hạn theo lịch nghỉ"),
    "attachment_added": N_("Thêm tệp đính kèm"),
    "escalated": N_("Cảnh báo thời hạn"),
    "survey": N_("Công dân đánh giá"),
}
ROLE = {
    "reception": N_("Tiếp công dân / văn thư"),
    "officer": N_("Chuyên viên"),
    "unit_head": N_("Lãnh đạo phòng"),
    "office": N_("Văn phòng Sở"),
    "director": N_("Lãnh đạo Sở"),
    "admin": N_("Quản trị"),
}
RISK = {
    "overdue_10": N_("Quá hạn từ 10 ngày làm việc trở lên"),
    "forwarded": N_("Đơn do cơ quan cấp trên chuyển đến"),
    "resubmitted": N_("Công dân đã gửi lại đơn"),
    "group": N_("Đơn đông người"),
    "unhandled_45": N_("Quá 45 ngày chưa xử lý (có thể bị xử lý kỷ luật)"),
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
