"""The demo department of DESIGN.md §9: units, accounts and cases in every state.

Dates are relative to today and counted on the real calendar, so the demo always shows
cases on each rung of the escalation ladder, whatever day it is started.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from models import Category, Role, Unit, User
from models.db import session_scope
from models.schemas import ActionBody, CaseCreate, PetitionerCreate
from workflows.auth import Principal, create_user
from workflows.calendar import WorkCalendar, load_calendar, vn_today
from workflows.defaults import ensure_defaults
from workflows.intake import create_case
from workflows.lifecycle import perform

DEMO_PASSWORD = "demo12345"

UNITS = (
    ("VP", "Văn phòng Sở", "Department Office"),
    ("QLCN", "Phòng Quản lý Công nghiệp", "Industry Management Division"),
    ("QLTM", "Phòng Quản lý Thương mại", "Trade Management Division"),
    ("QLNL", "Phòng Quản lý Năng lượng", "Energy Management Division"),
    ("TTKC", "Trung tâm Khuyến công và Xúc tiến thương mại", "Industrial Promotion and Trade Promotion Centre"),
)
USERS = (
    ("reception", "Nguyễn Thị Lan", Role.reception, "VP"),
    ("office", "Trần Văn Hùng", Role.office, "VP"),
    ("director", "Lê Minh Tuấn", Role.director, None),
    ("admin", "Phạm Quốc Bảo", Role.admin, None),
    ("head.cn", "Đỗ Thị Mai", Role.unit_head, "QLCN"),
    ("officer.cn", "Vũ Đức Anh", Role.officer, "QLCN"),
    ("head.tm", "Hoàng Văn Nam", Role.unit_head, "QLTM"),
    ("officer.tm", "Bùi Thị Hạnh", Role.officer, "QLTM"),
    ("head.nl", "Ngô Văn Long", Role.unit_head, "QLNL"),
    ("head.kc", "Đinh Thị Thu", Role.unit_head, "TTKC"),
)
CATEGORIES = (
    ("CN", "Công nghiệp, cụm công nghiệp", "Industry and industrial clusters", "QLCN"),
    ("TM", "Thương mại, chợ, siêu thị", "Trade, markets and supermarkets", "QLTM"),
    ("DIEN", "Điện, năng lượng", "Electricity and energy", "QLNL"),
    ("ATTP", "An toàn thực phẩm ngành công thương", "Food safety", "QLTM"),
    ("HC", "Hoá chất, vật liệu nổ công nghiệp", "Chemicals and industrial explosives", "QLCN"),
    ("KC", "Khuyến công, xúc tiến thương mại", "Industrial and trade promotion", "TTKC"),
    ("CB", "Công chức, viên chức của Sở", "Civil servants of the Department", "VP"),
)

PEOPLE = (
    ("Nguyễn Văn An", "001085012345", "0912345678", "Phường Hoàn Kiếm"),
    ("Trần Thị Bình", "001190023456", "0987654321", "Xã Đông Anh"),
    ("Lê Văn Cường", "001078034567", "0903111222", "Phường Cầu Giấy"),
    ("Phạm Thị Dung", "001092045678", "0978222333", "Xã Sóc Sơn"),
    ("Hoàng Văn Em", "001088056789", "0934555666", "Phường Long Biên"),
    ("Công ty TNHH Minh Phát", "", "0243777888", "Khu công nghiệp Quang Minh"),
)

# (kind, category, subject, content, stage, received working days ago, extra)
STORIES: tuple[tuple[str, str, str, str, str, int, dict[str, Any]], ...] = (
    ("complaint", "TM", "Khiếu nại quyết định xử phạt kinh doanh hàng không rõ nguồn gốc",
     "Tôi không đồng ý với quyết định xử phạt vi phạm hành chính về kinh doanh hàng hoá không rõ nguồn gốc.",
     "received", 1, {}),
    ("complaint", "DIEN", "Khiếu nại việc ngừng cấp điện không thông báo",
     "Điện lực ngừng cấp điện ba ngày liên tiếp mà không thông báo trước, gây thiệt hại cho cơ sở sản xuất.",
     "received", 5, {}),
    ("recommendation", "KC", "Kiến nghị hỗ trợ kinh phí khuyến công cho làng nghề mây tre",
     "Đề nghị Sở xem xét hỗ trợ kinh phí khuyến công năm tới cho làng nghề mây tre đan.", "received", 8, {}),
    ("feedback", "ATTP", "Phản ánh cơ sở sản xuất giò chả không bảo đảm vệ sinh",
     "Cơ sở sản xuất giò chả tại thôn Đông có dấu hiệu sử dụng phụ gia không rõ nguồn gốc.", "received", 10, {}),
    ("feedback", "TM", "Phản ánh chợ tạm lấn chiếm lòng đường",
     "Chợ tạm họp trên lòng đường gây ùn tắc giao thông vào giờ cao điểm.", "received", 13, {}),
    ("denunciation", "CB", "Tố cáo cán bộ gây khó khăn khi thẩm định hồ sơ",
     "Cán bộ thẩm định hồ sơ cấp phép kinh doanh rượu gợi ý nộp thêm chi phí ngoài quy định.", "received", 3, {}),
    ("denunciation", "HC", "Tố cáo nặc danh về kho hoá chất không phép",
     "Có kho chứa hoá chất không rõ giấy phép gần khu dân cư.", "received", 2, {"anonymous": True}),
    ("complaint", "CN", "Khiếu nại việc thu hồi giấy chứng nhận đủ điều kiện",
     "Công ty không đồng ý việc thu hồi giấy chứng nhận đủ điều kiện sản xuất hoá chất.", "accepted", 15,
     {"signatories": 1}),
    ("complaint", "CN", "Khiếu nại của các hộ dân về bụi từ cụm công nghiệp",
     "Các hộ dân thôn Bắc khiếu nại việc cụm công nghiệp gây bụi, tiếng ồn kéo dài.", "assigned", 28,
     {"signatories": 12, "representatives": "Ông Nguyễn Văn An, bà Trần Thị Bình"}),
    ("complaint", "DIEN", "Khiếu nại về giá bán điện cho hộ kinh doanh",
     "Hộ kinh doanh bị áp giá điện sinh hoạt bậc cao không đúng quy định.", "assigned", 30,
     {"forwarded_by": "Thanh tra Chính phủ"}),
    ("complaint", "TM", "Khiếu nại lần đầu về xử phạt niêm yết giá",
     "Tôi đã niêm yết giá nhưng vẫn bị xử phạt.", "assigned", 36, {}),
    ("complaint", "TM", "Khiếu nại quyết định tịch thu hàng hoá",
     "Hàng hoá có hoá đơn hợp lệ nhưng vẫn bị tịch thu.", "reported", 26, {}),
    ("denunciation", "CB", "Tố cáo việc thu phí sai quy định tại hội chợ",
     "Ban tổ chức hội chợ thu phí gian hàng cao hơn mức được duyệt.", "assigned", 18, {}),
    ("recommendation", "DIEN", "Kiến nghị di dời trạm biến áp gần trường học",
     "Trạm biến áp đặt sát cổng trường tiểu học, đề nghị di dời.", "assigned", 20, {}),
    ("feedback", "TM", "Phản ánh siêu thị bán hàng hết hạn sử dụng",
     "Siêu thị mini bày bán sữa hết hạn sử dụng.", "resolved", 25, {}),
    ("complaint", "CN", "Khiếu nại kết quả bình chọn sản phẩm công nghiệp nông thôn tiêu biểu",
     "Sản phẩm của cơ sở bị loại không rõ lý do.", "closed", 60, {}),
    ("feedback", "DIEN", "Phản ánh đường dây điện võng thấp",
     "Đường dây trung thế võng thấp qua khu dân cư, nguy hiểm.", "closed", 40, {}),
    ("recommendation", "KC", "Kiến nghị tổ chức hội chợ hàng Việt tại huyện",
     "Đề nghị tổ chức phiên chợ hàng Việt về nông thôn.", "resolved", 45, {}),
    ("complaint", "TM", "Khiếu nại không thuộc thẩm quyền về tranh chấp hợp đồng mua bán",
     "Tranh chấp hợp đồng mua bán giữa hai doanh nghiệp.", "guided", 12, {}),
    ("feedback", "DIEN", "Phản ánh mất điện kéo dài ở xã vùng cao",
     "Xã vùng cao mất điện nhiều ngày.", "transferred", 14, {}),
    ("complaint", "CN", "Khiếu nại đã quá thời hiệu",
     "Khiếu nại quyết định năm trước.", "rejected", 16, {"contested_days_ago": 200}),
    ("feedback", "TM", "Phản ánh trùng nội dung chợ tạm lấn chiếm",
     "Chợ tạm họp trên lòng đường gây ùn tắc giao thông vào giờ cao điểm, đề nghị xử lý.", "archived", 6, {}),
    ("complaint", "DIEN", "Khiếu nại về bồi thường hành lang lưới điện",
     "Chưa được bồi thường khi xây dựng đường dây.", "withdrawn", 20, {}),
    ("complaint", "CN", "Khiếu nại đang chờ kết quả giám định",
     "Đề nghị xem xét lại kết luận kiểm tra an toàn lò hơi.", "suspended", 22, {}),
    ("denunciation", "TM", "Tố cáo cơ sở kinh doanh xăng dầu gian lận đo lường",
     "Cây xăng bơm thiếu so với đồng hồ hiển thị.", "extended", 40, {}),
    ("recommendation", "TM", "Kiến nghị sắp xếp lại chợ đầu mối",
     "Đề nghị quy hoạch lại chợ đầu mối nông sản.", "accepted", 9, {"signatories": 6}),
    ("feedback", "ATTP", "Phản ánh bếp ăn tập thể khu công nghiệp",
     "Công nhân phản ánh chất lượng bữa ăn ca kém.", "received", 4, {"signatories": 30}),
    ("complaint", "TM", "Khiếu nại lần đầu về xử phạt quảng cáo", "Tôi không đồng ý mức phạt.", "second_round", 70, {}),
    ("feedback", "TM", "Phản ánh bán hàng đa cấp trái phép", "Nhóm người tổ chức hội thảo bán hàng đa cấp.",
     "received", 25, {}),
    ("recommendation", "CN", "Kiến nghị đầu tư hạ tầng cụm công nghiệp",
     "Đề nghị đầu tư đường vào cụm công nghiệp.", "received", 52, {}),
)


def _reference(session: Session) -> dict[str, Any]:
    ensure_defaults(session)
    units: dict[str, Unit] = {}
    for code, name, name_en in UNITS:
        unit = session.exec(select(Unit).where(Unit.code == code)).first() or Unit(code=code, name=name,
                                                                                   name_en=name_en)
        session.add(unit)
        session.flush()
        units[code] = unit
    for code, name, name_en, unit_code in CATEGORIES:
        if session.exec(select(Category).where(Category.code == code)).first() is None:
            session.add(Category(code=code, name=name, name_en=name_en, default_unit_id=units[unit_code].id))
    users: dict[str, User] = {}
    for username, full_name, role, unit_code in USERS:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            user = create_user(session, username=username, password=DEMO_PASSWORD, full_name=full_name, role=role,
                               unit_id=units[unit_code].id if unit_code else None,
                               email=f"{username}@demo.donthu.local")
        users[username] = user
    session.flush()
    return {"units": units, "users": users}


def _act(session: Session, users: dict[str, User], who: str, code: str, action: str, version: int, on: date,
         now: datetime, cal: WorkCalendar, **fields: Any) -> int:
    body = ActionBody(version=version, on=on, **fields)
    result = perform(session, Principal(user=users[who]), code, action, body, now=now, cal=cal)
    return result.case.version if result.case.tracking_code == code else version + 1


def seed(now: datetime, progress: Callable[[int], None] | None = None) -> int:
    """Create the demo department and its cases; returns the number of cases."""
    with session_scope() as session:
        ref = _reference(session)
    users, count = ref["users"], 0
    today = vn_today(now)
    for i, (kind, cat, subject, content, stage, ago, extra) in enumerate(STORIES):
        with session_scope() as session:
            cal = load_calendar(session, fresh=True)
            received = cal.add_working_days(today, -ago) if ago else today
            name, idn, phone, addr = PEOPLE[i % len(PEOPLE)]
            anonymous = bool(extra.get("anonymous"))
            contested = extra.get("contested_days_ago")
            body = CaseCreate(
                kind=kind, subject=subject, content=content, category=cat, received_on=received,
                channel=("walk_in", "mail", "web", "email", "phone")[i % 5],
                petitioner=PetitionerCreate(
                    full_name="" if anonymous else name, id_number="" if anonymous else idn,
                    phone="" if anonymous else phone, address="" if anonymous else addr,
                    representatives=extra.get("representatives", ""),
                ),
                anonymous=anonymous, signatories=extra.get("signatories", 1),
                forwarded_by=extra.get("forwarded_by", ""),
                contested_decision_on=date.fromordinal(received.toordinal() - contested) if contested else None,
            )
            case, _pin = create_case(session, Principal(user=users["reception"]), body, now=now, cal=cal)
            code, v = case.tracking_code, case.version
            step = received

            def later(days: int, cal: WorkCalendar = cal) -> date:
                nonlocal step
                step = min(cal.add_working_days(step, days), today)
                return step

            unit = {"CN": "QLCN", "HC": "QLCN", "TM": "QLTM", "ATTP": "QLTM", "DIEN": "QLNL", "KC": "TTKC",
                    "CB": "VP"}[cat]
            officer = {"QLCN": "officer.cn", "QLTM": "officer.tm"}.get(unit, "")
            head = {"QLCN": "head.cn", "QLTM": "head.tm", "QLNL": "head.nl", "TTKC": "head.kc"}.get(unit, "")
            if stage == "rejected":
                _act(session, users, "office", code, "reject", v, later(2), now, cal,
                     reason="Quá thời hiệu khiếu nại 90 ngày, không có lý do chính đáng (Luật Khiếu nại Điều 9).")
            elif stage == "guided":
                _act(session, users, "office", code, "guide", v, later(2), now, cal,
                     target_agency="Toà án nhân dân cấp khu vực", note="Tranh chấp dân sự, hướng dẫn khởi kiện.")
            elif stage == "transferred":
                _act(session, users, "office", code, "transfer", v, later(3), now, cal,
                     target_agency="Công ty Điện lực tỉnh")
            elif stage == "archived":
                _act(session, users, "office", code, "archive", v, later(1), now, cal,
                     reason="Đơn trùng nội dung đã tiếp nhận.")
            elif stage != "received":
                v = _act(session, users, "office", code, "accept", v, later(3), now, cal)
                if stage in ("assigned", "reported", "resolved", "closed", "extended", "second_round",
                             "suspended"):
                    v = _act(session, users, "office", code, "assign", v, later(1), now, cal, unit=unit,
                             officer=officer)
                if stage == "suspended":
                    _act(session, users, "director", code, "suspend", v, later(2), now, cal,
                         decision_number="15/QĐ-SCT", reason="Chờ kết quả giám định của cơ quan chuyên môn.")
                if stage == "extended":
                    _act(session, users, "director", code, "extend", v, later(15), now, cal,
                         decision_number="22/QĐ-SCT", complex=True, note="Cần xác minh tại nhiều cửa hàng.")
                if stage in ("reported", "resolved", "closed", "second_round"):
                    v = _act(session, users, head, code, "report", v, later(5), now, cal,
                             result="Đã xác minh tại hiện trường; nội dung phản ánh có cơ sở một phần.")
                if stage in ("resolved", "closed", "second_round"):
                    v = _act(session, users, "director", code, "resolve", v, later(2), now, cal,
                             decision_number=f"{100 + i}/QĐ-SCT",
                             result="Chấp nhận một phần nội dung; yêu cầu khắc phục trong 30 ngày.")
                if stage in ("closed", "second_round"):
                    v = _act(session, users, "office", code, "close", v, later(1), now, cal)
                if stage == "second_round":
                    _act(session, users, "reception", code, "open_second_round", v, later(2), now, cal,
                         note="Công dân không đồng ý với quyết định giải quyết lần đầu.")
            if stage == "withdrawn":
                _act(session, users, "reception", code, "withdraw", v, later(2), now, cal,
                     reason="Công dân có đơn xin rút khiếu nại.")
            count += 1
        if progress:
            progress(1)
    with session_scope() as session:
        from workflows.visits import seed_demo as seed_public

        seed_public(session, today)
    return count
