"""CSV and XLSX files: the periodic report and the two books Vietnamese agencies keep.

The layouts follow the books kept on paper: the national motto and the agency at the top,
the title in capitals, the period, a header row, the column numbers (1), (2)… and then the
lines. The report cells come from `reports.table`, the same cells the page prints.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import and_
from sqlmodel import Session, col, select

from models import Case, CaseClock, ClockName, Petitioner, Unit
from workflows.access import REDACTED, can_see_identity, scope_condition
from workflows.auth import Principal
from workflows.i18n import label
from workflows.reports import Summary, satisfaction_table, table
from workflows.visits import BookLine

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
#: An export is a book for a period, not a dump of the register.
MAX_BOOK_ROWS = 20000
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _kind_label(kind: str) -> str:
    return label("kind", kind)


def _blank(value: Any) -> Any:
    return "" if value is None else value


def summary_csv(s: Summary) -> bytes:
    """UTF-8 with a BOM so that Excel opens the Vietnamese text correctly."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([f"Báo cáo kỳ {s.start:%d/%m/%Y} - {s.end:%d/%m/%Y}", f"Đơn vị: {s.unit_code or 'Toàn Sở'}"])
    header, body = table(s, _kind_label)
    w.writerow(header)
    w.writerows([[_blank(v) for v in row] for row in body])
    w.writerow([])
    header, body = satisfaction_table(s)
    w.writerow(["Mức độ hài lòng theo đơn vị"])
    w.writerow(header)
    w.writerows(body)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _heading(ws: Worksheet, agency: str, title: str, subtitle: str, width: int) -> int:
    """The top of a Vietnamese administrative form; returns the next free row."""
    last = get_column_letter(width)
    ws["A1"] = agency.upper()
    ws["A1"].font = Font(bold=True)
    half = max(width // 2, 1)
    ws.cell(row=1, column=half + 1, value=MOTTO[0]).font = Font(bold=True)
    ws.cell(row=2, column=half + 1, value=MOTTO[1]).font = Font(bold=True, underline="single")
    ws["A4"] = title
    ws["A4"].font = Font(bold=True, size=14)
    ws["A4"].alignment = Alignment(horizontal="center")
    ws.merge_cells(f"A4:{last}4")
    # Printed on A4 landscape, one page wide, as the books are filed.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws["A5"] = subtitle
    ws["A5"].alignment = Alignment(horizontal="center")
    ws.merge_cells(f"A5:{last}5")
    return 7


def _grid(ws: Worksheet, row: int, header: Sequence[str], lines: Sequence[Sequence[Any]],
          widths: Sequence[int], numbered: bool = True) -> int:
    if numbered:
        ws.print_title_rows = f"{row}:{row + 1}"  # the header repeats on every printed page
    for i, text in enumerate(header, start=1):
        c = ws.cell(row=row, column=i, value=text)
        c.font, c.border = Font(bold=True), _BOX
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(i)].width = widths[i - 1] if i <= len(widths) else 14
    row += 1
    if numbered:
        for i in range(1, len(header) + 1):
            c = ws.cell(row=row, column=i, value=f"({i})")
            c.alignment, c.border = Alignment(horizontal="center"), _BOX
        row += 1
    for line in lines:
        for i, value in enumerate(line, start=1):
            c = ws.cell(row=row, column=i, value=value)
            c.border, c.alignment = _BOX, Alignment(vertical="top", wrap_text=True)
            if isinstance(value, date):
                c.number_format = "DD/MM/YYYY"
        row += 1
    return row


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def summary_xlsx(s: Summary, agency: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Tổng hợp"
    header, body = table(s, _kind_label)
    unit = f" - Đơn vị: {s.unit_code}" if s.unit_code else ""
    row = _heading(ws, agency, "BÁO CÁO KẾT QUẢ TIẾP NHẬN, XỬ LÝ VÀ GIẢI QUYẾT ĐƠN THƯ",
                   f"Kỳ báo cáo: từ ngày {s.start:%d/%m/%Y} đến ngày {s.end:%d/%m/%Y}{unit}", len(header))
    row = _grid(ws, row, header, body, [18] + [14] * (len(header) - 1))
    sat_header, sat_body = satisfaction_table(s)
    ws.cell(row=row + 1, column=1, value="MỨC ĐỘ HÀI LÒNG CỦA NGƯỜI DÂN THEO ĐƠN VỊ (thang điểm 1-5)").font = Font(
        bold=True)
    _grid(ws, row + 2, sat_header, sat_body, [], numbered=False)
    return _save(wb)


RECEPTION_HEADER = ("STT", "Ngày tiếp", "Họ tên", "Địa chỉ", "Số người", "Nội dung vụ việc",
                    "Hướng dẫn, kết quả tiếp", "Hồ sơ tạo ra", "Người tiếp")


def reception_book_xlsx(lines: Sequence[BookLine], start: date, end: date, agency: str) -> bytes:
    """Sổ tiếp công dân (after the form of Thông tư 04/2021/TT-TTCP)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Sổ tiếp công dân"
    row = _heading(ws, agency, "SỔ TIẾP CÔNG DÂN", f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}",
                   len(RECEPTION_HEADER))
    body = [[i, v.visited_on, v.visitor_name, v.address, v.headcount, v.content, v.guidance, ", ".join(v.cases),
             v.received_by] for i, v in enumerate(lines, start=1)]
    _grid(ws, row, RECEPTION_HEADER, body, [6, 12, 24, 30, 9, 45, 40, 18, 20])
    return _save(wb)


PETITION_HEADER = ("STT", "Ngày nhận", "Mã hồ sơ", "Người gửi", "Nội dung tóm tắt", "Loại đơn",
                   "Đơn vị xử lý", "Hạn xử lý", "Kết quả")


def petition_lines(session: Session, principal: Principal, start: date, end: date,
                   unit_id: int | None = None) -> list[list[Any]]:
    """Sổ theo dõi xử lý đơn: the cases received in the period that the reader may see.

    One joined query (case, petitioner, unit); identity redaction by `can_see_identity`,
    the single rule for denunciators (DESIGN.md §6).
    """
    stmt = (
        select(Case, col(Petitioner.full_name), col(Unit.name), col(CaseClock.due_on))
        .join(CaseClock, and_(col(CaseClock.case_id) == col(Case.id), col(CaseClock.name) == ClockName.resolution),
              isouter=True)
        .join(Petitioner, col(Petitioner.id) == col(Case.petitioner_id), isouter=True)
        .join(Unit, col(Unit.id) == col(Case.unit_id), isouter=True)
        .where(scope_condition(principal), col(Case.received_on) >= start, col(Case.received_on) <= end)
        .order_by(col(Case.received_on), col(Case.id))
        .limit(MAX_BOOK_ROWS)
    )
    if unit_id is not None:
        stmt = stmt.where(col(Case.unit_id) == unit_id)
    out: list[list[Any]] = []
    for i, (case, name, unit, resolution_due) in enumerate(session.exec(stmt).all(), start=1):
        if case.anonymous:
            sender = "Nặc danh"
        elif can_see_identity(principal, case):
            sender = name or ""
        else:
            sender = REDACTED
        result = label("status", case.status)
        if case.decision_number:
            result += f" - {case.decision_number}"
        if case.target_agency:
            result += f" - {case.target_agency}"
        out.append([i, case.received_on, case.tracking_code, sender, case.subject, _kind_label(case.kind),
                    unit or "", case.current_due_on or resolution_due or "", result])
    return out


def petition_book_xlsx(lines: Sequence[Sequence[Any]], start: date, end: date, agency: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Sổ theo dõi xử lý đơn"
    row = _heading(ws, agency, "SỔ THEO DÕI XỬ LÝ ĐƠN", f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}",
                   len(PETITION_HEADER))
    _grid(ws, row, PETITION_HEADER, lines, [6, 12, 16, 24, 45, 12, 26, 12, 36])
    return _save(wb)

