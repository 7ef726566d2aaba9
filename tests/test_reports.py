"""The communication report: a month of activity seeded, then the command's DOCX and XLSX and
the dashboard page state exactly those figures, within the period, the locality and the scope."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select, update

from app import keys
from bot.messages import Address, Inbound, Kind
from db.models import Citizen, OutboxMessage, Question, Subscription
from db.office import Announcement, AudioRecording, Bulletin
from tests.conftest import run_cli
from tests.driver import ChatDriver
from tests.web_client import csrf_of, login, web_client

PASSWORD = "mat-khau-du-dai-1"
VN = dt.timezone(dt.timedelta(hours=7))
ROW = re.compile(r'<tr(?: class="sub")?><td>(?:– )?(.*?)</td><td>.*?</td><td>(.*?)</td></tr>')


def vn(month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A Vietnamese wall-clock time in 2026, as the UTC instant the database keeps."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=VN).astimezone(dt.UTC)


@pytest.fixture
async def client(settings, knowledge):
    async with web_client(
        settings,
        knowledge,
        officers=(
            ("admin", "admin", None),
            ("longkhanh", "officer", "long-khanh"),
            ("xem", "viewer", None),
        ),
        password=PASSWORD,
    ) as c:
        yield c


class Month:
    """November 2026 in a commune office: what citizens and officers did, through the bot's
    core and the dashboard; rows only where the real path needs a platform or a voice engine."""

    def __init__(self, client):  # type: ignore[no-untyped-def]
        self.client = client
        self.app = client.server.app
        self.core = self.app[keys.CORE]
        self.now = [vn(11, 1)]
        self.core.clock = lambda: self.now[0]

    def citizen(self, name: str) -> ChatDriver:
        return ChatDriver(self.core, name, channel="web")

    async def at(self, when: dt.datetime, chat: ChatDriver, *steps: str) -> None:
        """`chat` sends each step at `when`: "payload:…" presses a button, other text is typed."""
        self.now[0] = when
        for step in steps:
            if step.startswith("payload:"):
                await chat.send(
                    Inbound(Address("web", chat.user_id), Kind.BUTTON, payload=step[8:])
                )
            else:
                await chat.say(step)

    async def last_question(self) -> Question:
        async with self.app[keys.SESSIONS]() as db:
            return (
                (await db.execute(select(Question).order_by(Question.id.desc()))).scalars().first()
            )

    async def db_rows(self, *rows) -> None:  # type: ignore[no-untyped-def]
        async with self.app[keys.SESSIONS]() as db:
            db.add_all(rows)
            await db.commit()

    async def set(self, model, row_id: int, **values) -> None:  # type: ignore[no-untyped-def]
        async with self.app[keys.SESSIONS]() as db:
            await db.execute(update(model).where(model.id == row_id).values(**values))
            await db.commit()

    async def self_check(self, chat: ChatDriver) -> None:
        await chat.press("Kiểm tra diện hỗ trợ")
        await chat.press("Nông thôn")
        await chat.say("4")
        await chat.say("5 triệu")
        for _ in range(12):
            await chat.say("không")
        await chat.press("Đồng ý lưu")

    async def officer_answers(self, question_id: int, when: dt.datetime) -> None:
        """An officer answers in the dashboard; the dashboard stamps the wall clock, so the
        answer's time is then set to the seeded one."""
        token = await csrf_of(self.client, "/dashboard/stats")
        answered = await self.client.post(
            "/dashboard/answer",
            data={"csrf": token, "question": str(question_id), "answer": "Xã đã ghi nhận."},
            allow_redirects=False,
        )
        assert answered.status == 303
        await self.set(Question, question_id, answered_at=when)

    async def seed(self, knowledge) -> dict[str, str]:  # type: ignore[no-untyped-def]
        # Two subscribers the web chat cannot stand for: a Telegram one (Telegram is off in this
        # process, so delivering fails) and a Zalo OA one who blocked the OA (unreachable); the
        # Zalo one also wrote a question that waits for an officer.
        tele = Citizen(channel="telegram", external_id="t1", locality_id="kien-hai")
        zalo = Citizen(channel="zalo", external_id="z1", locality_id="kien-hai", unreachable=True)
        await self.db_rows(tele, zalo)
        await self.db_rows(
            *(
                Subscription(
                    citizen_id=c.id,
                    locality_id="kien-hai",
                    province_code="91",
                    created_at=vn(11, 1),
                )
                for c in (tele, zalo)
            ),
            Question(
                citizen_id=zalo.id,
                text="Nhà tôi bị sạt lở có được hỗ trợ làm lại nhà không",
                normalized_text="nha toi bi sat lo",
                channel="zalo",
                locality_id="kien-hai",
                province_code="91",
                topic="chuan_ngheo",
                needs_officer=True,
                sent_by_citizen=True,
                created_at=vn(11, 5),
            ),
        )
        a1, a2 = self.citizen("a1"), self.citizen("a2")
        a3, a4 = self.citizen("a3"), self.citizen("a4")
        # a1: a question the bot answers, a subscription, a self-check kept for officers
        await self.at(
            vn(11, 3),
            a1,
            "payload:loc:kien-hai",
            "Tiền điện hộ nghèo được hỗ trợ bao nhiêu một tháng ạ",
            "payload:m:sub",
        )
        bot_answered = await self.last_question()
        assert bot_answered.answered_by_bot and bot_answered.topic
        # a2: a question for officers, answered two and a half hours later; a self-check begun
        # and cancelled the next day
        await self.at(
            vn(11, 10, 10),
            a2,
            "payload:loc:kien-hai",
            "payload:m:ask",
            "Xin xã làm lại đường vào thôn 3 cho bà con đi lại",
        )
        for_officer = await self.last_question()
        await self.at(vn(11, 11), a2, "payload:m:check")
        await a2.press("Hủy")
        self.now[0] = vn(11, 12)
        await a1.say("menu")
        await self.self_check(a1)
        # a3 writes late on the last evening of November; the answer comes on 1 December
        await self.at(
            vn(11, 30, 23, 30),
            a3,
            "payload:loc:long-khanh",
            "payload:m:ask",
            "Tôi muốn hỏi về vay vốn làm ăn cho hộ cận nghèo ở phường",
        )
        last_day = await self.last_question()
        # a4 writes ten minutes into December and subscribes
        await self.at(
            vn(12, 1, 0, 10),
            a4,
            "payload:loc:long-khanh",
            "payload:m:ask",
            "Cho tôi hỏi khi nào xã họp bình xét hộ nghèo năm nay",
            "payload:m:sub",
        )
        await login(self.client, "admin", PASSWORD)
        await self.officer_answers(for_officer.id, vn(11, 10, 12, 30))
        await self.officer_answers(last_day.id, vn(12, 1, 8))
        await self.announce()
        await self.db_rows(
            Bulletin(
                title="Bản tin tháng 11",
                locality_id="kien-hai",
                text="Bản tin",
                clip_key="b11",
                duration_s=60.0,
                created_at=vn(11, 15),
            ),
            Bulletin(
                title="Bản nháp",
                locality_id="kien-hai",
                text="…",
                clip_key="",
                duration_s=0.0,
                status="draft",
                created_at=vn(11, 16),
            ),
            Bulletin(
                title="Bản tin tháng 12",
                locality_id="kien-hai",
                text="Bản tin",
                clip_key="b12",
                duration_s=60.0,
                created_at=vn(12, 2),
            ),
            AudioRecording(
                key="r" * 32,
                title="Loa xã đọc thông báo",
                locality_id="kien-hai",
                duration_s=30.0,
                size_bytes=1000,
                created_at=vn(11, 16),
            ),
        )
        return {"bot_topic": knowledge.content.topics[bot_answered.topic].title}

    async def announce(self) -> None:
        """The admin sends an announcement with a clip of the library to Kiên Hải's three
        subscribers: the web chat receives it, Telegram fails, the Zalo OA is unreachable."""
        settings = self.app[keys.SETTINGS]
        key = "f00d" * 8
        Path(settings.audio_dir).mkdir(parents=True, exist_ok=True)
        (Path(settings.audio_dir) / f"{key}.mp3").write_bytes(b"ID3")
        token = await csrf_of(self.client, "/dashboard/announcements")
        made = await self.client.post(
            "/dashboard/announcements",
            data={
                "csrf": token,
                "locality": "kien-hai",
                "title": "Họp dân bình xét",
                "text": "Mời bà con dự họp.",
                "audio": key,
            },
            allow_redirects=False,
        )
        assert made.status == 303, await made.text()
        path = made.headers["Location"]
        sent = await self.client.post(f"{path}/send", data={"csrf": token}, allow_redirects=False)
        assert sent.status == 303
        while await self.app[keys.OUTBOX].deliver_due():
            pass
        async with self.app[keys.SESSIONS]() as db:
            statuses = sorted(
                (
                    await db.execute(
                        select(OutboxMessage.status).where(
                            OutboxMessage.announcement_id.is_not(None)
                        )
                    )
                ).scalars()
            )
        assert statuses == ["failed", "sent", "unreachable"]
        await self.set(Announcement, int(path.rsplit("/", 1)[1]), sent_at=vn(11, 20))


def november(bot_topic: str) -> list[tuple[str, object]]:
    """What the report on November 2026, everywhere, states."""
    return [
        ("Số câu hỏi nhận được", 5),
        ("Theo kênh", ""),
        ("Web chat", 4),
        ("Zalo OA", 1),
        ("Theo chủ đề", ""),
        *sorted([("(chưa rõ chủ đề)", 2), ("Chuẩn nghèo đa chiều", 2), (bot_topic, 1)], key=_rank),
        ("Theo địa phương", ""),
        ("Huyện Kiên Hải", 4),
        ("Thành phố Long Khánh", 1),
        ("Bot trả lời tự động", 1),
        ("Cán bộ đã trả lời", 1),
        ("Chưa trả lời (đang chờ cán bộ)", 3),
        ("Không cần cán bộ trả lời (ngoài phạm vi, đã đóng)", 0),
        ("Thời gian cán bộ trả lời (trung vị)", "2 giờ 30 phút"),
        ("Số người dân đã nhắn tin", 3),
        ("Số người đăng ký nhận thông báo (cuối kỳ)", 3),
        ("Số thông báo", 1),
        ("Lượt người dân đã nhận", 1),
        ("Lượt gửi không được", 1),
        ("Lượt không liên lạc được (đã chặn hoặc rời kênh)", 1),
        ("Lượt đang chờ gửi", 0),
        ("Số bản tin phát thanh đã làm", 1),
        ("Số clip âm thanh đã làm", 2),
        ("Lời đọc thông báo", 1),
        ("Bản ghi âm cán bộ tải lên", 1),
        ("Số lượt tự kiểm tra", 2),
        ("Số kết quả người dân đồng ý lưu cho cán bộ", 1),
    ]


def _rank(pair: tuple[str, int]) -> tuple[int, str]:
    return -pair[1], pair[0]


def xlsx_lines(data: bytes) -> tuple[list[str], list[tuple[str, object]]]:
    """The sheet's text above its table, and the table's figures (headings left out)."""
    sheet = load_workbook(io.BytesIO(data)).active
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.page_setup.orientation == "portrait"
    rows = list(sheet.iter_rows(values_only=True))
    header = rows.index(("TT", "Nội dung", "Đơn vị tính", "Số liệu"))
    above = [str(c) for row in rows[:header] for c in row if c]
    figures = []
    for number, label, _unit, value in rows[header + 1 :]:
        if label is None:
            break  # the table ends; "Nơi nhận" and the signer follow
        if not number:
            figures.append((label.removeprefix("- "), "" if value is None else value))
    return above, figures


def docx_lines(data: bytes) -> tuple[str, list[tuple[str, object]]]:
    """The document's text and the figures of its tables (label, unit, value)."""
    doc = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    figures = []
    for table in doc.tables:
        for row in table.rows[1:]:
            cells = [c.text.strip() for c in row.cells]
            if len(cells) == 3:
                value = cells[2]
                label = cells[0].removeprefix("- ")
                figures.append((label, int(value) if value.isdigit() else value))
    return text, figures


def page_lines(html: str) -> list[tuple[str, object]]:
    import html as markup

    return [
        (markup.unescape(a), int(b) if b.isdigit() else markup.unescape(b))
        for a, b in ROW.findall(html)
    ]


async def test_the_november_report_states_what_happened_in_november(client, knowledge, settings):
    extra = await Month(client).seed(knowledge)
    expected = november(extra["bot_topic"])
    # the page, for the admin: every figure, the charts and the two downloads
    page = await client.get("/dashboard/stats?month=2026-11")
    html = await page.text()
    assert page.status == 200
    assert "Báo cáo kết quả công tác truyền thông giảm nghèo tháng 11/2026" in html
    assert page_lines(html) == expected
    assert html.count("<svg") == 3 and "<script" not in html
    assert 'href="/dashboard/stats/report.docx?locality=&amp;month=2026-11"' in html
    xlsx = await client.get("/dashboard/stats/report.xlsx?month=2026-11")
    assert xlsx.status == 200
    assert 'filename="bao-cao-thang-2026-11.xlsx"' in xlsx.headers["Content-Disposition"]
    titles, figures = xlsx_lines(await xlsx.read())
    assert figures == expected
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in titles and "BÁO CÁO" in titles
    assert "Kết quả công tác truyền thông giảm nghèo tháng 11/2026" in titles
    docx = await client.get("/dashboard/stats/report.docx?month=2026-11")
    data = await docx.read()
    page = Document(io.BytesIO(data)).sections[0]
    assert (round(page.page_width.mm), round(page.page_height.mm)) == (210, 297)
    heading = Document(io.BytesIO(data)).tables[0].rows[0].cells[1].text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in heading
    text, figures = docx_lines(data)
    assert figures == expected
    assert "BÁO CÁO\nKết quả công tác truyền thông giảm nghèo tháng 11/2026" in text
    # the command writes the same figures into both files
    env = {"DATABASE_URL": settings.database_url}
    out = Path(settings.audio_dir).parent / "bao-cao-11.xlsx"
    made = run_cli(
        "report", "monthly", "--month", "2026-11", "--format", "xlsx", "-o", str(out), env=env
    )
    assert made.returncode == 0, made.stderr
    assert xlsx_lines(out.read_bytes())[1] == expected
    out = out.with_suffix(".docx")
    made = run_cli(
        "report", "monthly", "--month", "2026-11", "--format", "docx", "-o", str(out), env=env
    )
    assert made.returncode == 0, made.stderr
    assert docx_lines(out.read_bytes())[1] == expected


async def test_a_period_counts_its_last_day_and_not_the_next(client, knowledge, settings):
    await Month(client).seed(knowledge)
    await login(client, "admin", PASSWORD)
    # to 30 November: the question of 23:30 that evening counts, the one at 00:10 does not
    html = await (await client.get("/dashboard/stats?from=2026-11-01&to=2026-11-30")).text()
    lines = dict(page_lines(html))
    assert "từ ngày 01/11/2026 đến ngày 30/11/2026" in html
    assert lines["Số câu hỏi nhận được"] == 5 and lines["Chưa trả lời (đang chờ cán bộ)"] == 3
    # to 1 December: its question, its subscriber, and the answer given that morning count
    out = Path(settings.audio_dir).parent / "ky.xlsx"
    made = run_cli(
        "report",
        "period",
        "--from",
        "2026-11-01",
        "--to",
        "2026-12-01",
        "--format",
        "xlsx",
        "-o",
        str(out),
        env={"DATABASE_URL": settings.database_url},
    )
    assert made.returncode == 0, made.stderr
    titles, figures = xlsx_lines(out.read_bytes())
    assert (
        "Kết quả công tác truyền thông giảm nghèo từ ngày 01/11/2026 đến ngày 01/12/2026" in titles
    )
    lines = dict(figures)
    assert lines["Số câu hỏi nhận được"] == 6
    assert lines["Cán bộ đã trả lời"] == 2 and lines["Chưa trả lời (đang chờ cán bộ)"] == 3
    assert lines["Thời gian cán bộ trả lời (trung vị)"] == "5 giờ 30 phút"  # 2 h 30, 8 h 30
    assert lines["Số người dân đã nhắn tin"] == 4
    assert lines["Số người đăng ký nhận thông báo (cuối kỳ)"] == 4
    assert lines["Số bản tin phát thanh đã làm"] == 1  # the December one is made on the 2nd
    # December alone: nothing of November
    html = await (await client.get("/dashboard/stats?month=2026-12")).text()
    lines = dict(page_lines(html))
    assert lines["Số câu hỏi nhận được"] == 1 and lines["Số thông báo"] == 0
    assert lines["Số lượt tự kiểm tra"] == 0 and lines["Số bản tin phát thanh đã làm"] == 1


async def test_a_locality_report_and_an_officers_scope(client, knowledge, settings):
    await Month(client).seed(knowledge)
    await login(client, "admin", PASSWORD)
    html = await (await client.get("/dashboard/stats?month=2026-11&locality=kien-hai")).text()
    lines = dict(page_lines(html))
    assert "Địa bàn: Huyện Kiên Hải" in html
    assert lines["Số câu hỏi nhận được"] == 4 and lines["Web chat"] == 3
    assert lines["Zalo OA"] == 1 and "Thành phố Long Khánh" not in lines
    assert lines["Số người dân đã nhắn tin"] == 2 and lines["Số thông báo"] == 1
    assert lines["Số lượt tự kiểm tra"] == 2 and lines["Số clip âm thanh đã làm"] == 2
    # the province code takes every locality of the province
    province = dict(
        page_lines(await (await client.get("/dashboard/stats?month=2026-11&locality=p:91")).text())
    )
    assert province == lines
    # Long Khánh's officer sees Long Khánh's figures, and not Kiên Hải's
    await login(client, "longkhanh", PASSWORD)
    html = await (await client.get("/dashboard/stats?month=2026-11")).text()
    lines = dict(page_lines(html))
    assert "Địa bàn: Thành phố Long Khánh" in html and "Tất cả các địa phương" not in html
    assert lines["Số câu hỏi nhận được"] == 1 and lines["Chưa trả lời (đang chờ cán bộ)"] == 1
    assert lines["Số người dân đã nhắn tin"] == 1 and lines["Số thông báo"] == 0
    assert lines["Số người đăng ký nhận thông báo (cuối kỳ)"] == 0
    assert "Huyện Kiên Hải" not in lines
    other = await client.get("/dashboard/stats?month=2026-11&locality=kien-hai")
    assert other.status == 403
    refused = await client.get("/dashboard/stats/report.xlsx?month=2026-11&locality=kien-hai")
    assert refused.status == 403
    own = await client.get("/dashboard/stats/report.docx?month=2026-11")
    assert 'filename="bao-cao-thang-2026-11-long-khanh.docx"' in own.headers["Content-Disposition"]
    assert dict(docx_lines(await own.read())[1])["Số câu hỏi nhận được"] == 1
    # the command on one locality
    out = Path(settings.audio_dir).parent / "lk.xlsx"
    made = run_cli(
        "report",
        "monthly",
        "--month",
        "2026-11",
        "--locality",
        "long-khanh",
        "--format",
        "xlsx",
        "-o",
        str(out),
        env={"DATABASE_URL": settings.database_url},
    )
    assert made.returncode == 0, made.stderr
    titles, figures = xlsx_lines(out.read_bytes())
    assert "Địa bàn: Thành phố Long Khánh" in titles
    assert dict(figures)["Số câu hỏi nhận được"] == 1


async def test_downloads_are_audited(client):
    from db.office import AuditEntry

    await login(client, "xem", PASSWORD)
    got = await client.get("/dashboard/stats/report.xlsx?from=2026-01-01&to=2026-06-30")
    assert got.status == 200
    assert 'filename="bao-cao-2026-01-01-den-2026-06-30.xlsx"' in got.headers["Content-Disposition"]
    async with client.server.app[keys.SESSIONS]() as db:
        entry = (
            (await db.execute(select(AuditEntry).where(AuditEntry.action == "report_download")))
            .scalars()
            .one()
        )
    assert entry.username == "xem"
    assert entry.detail == {"from": "2026-01-01", "to": "2026-06-30", "format": "xlsx"}


@pytest.mark.parametrize(
    "query, message",
    [
        ("month=2026-13", "Tháng “2026-13” không hợp lệ"),
        ("month=thang-muoi", "Tháng “thang-muoi” không hợp lệ"),
        ("from=2026-11-31&to=2026-12-01", "Ngày bắt đầu “2026-11-31” không hợp lệ"),
        ("from=2026-11-01", "Ngày kết thúc “” không hợp lệ"),
        ("from=2026-12-01&to=2026-11-01", "Ngày kết thúc phải từ ngày bắt đầu trở đi"),
        ("month=2026-11&locality=dao-phu-quoc", "Không tìm thấy địa phương “dao-phu-quoc”"),
    ],
)
async def test_bad_months_days_and_localities_are_refused_politely(client, query, message):
    await login(client, "admin", PASSWORD)
    for path in ("/dashboard/stats", "/dashboard/stats/report.docx"):
        got = await client.get(f"{path}?{query}")
        assert got.status == 400 and message in await got.text()
    assert (await client.get("/dashboard/stats/report.pdf?month=2026-11")).status == 404


def test_the_commands_refuse_bad_input_with_exit_2(tmp_path):
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"}
    out = str(tmp_path / "r.docx")
    cases = [
        (("monthly", "--month", "11/2026"), "Tháng “11/2026” không hợp lệ"),
        (("period", "--from", "2026-07-01", "--to", "2026-06-30"), "Ngày kết thúc phải từ"),
        (("period", "--from", "2026-02-30", "--to", "2026-06-30"), "Ngày bắt đầu “2026-02-30”"),
        (("monthly", "--month", "2026-11", "--locality", "p:00"), "Không tìm thấy địa phương"),
    ]
    for args, message in cases:
        done = run_cli("report", *args, "--format", "docx", "-o", out, env=env)
        assert done.returncode == 2 and message in done.stderr, done.stderr
    assert not Path(out).exists()
    wrong_format = run_cli("report", "monthly", "--month", "2026-11", "--format", "pdf", env=env)
    assert wrong_format.returncode == 2


async def test_a_typed_look_alike_of_a_saved_self_check_is_a_question_not_a_self_check(client):
    month = Month(client)
    chat = month.citizen("b1")
    await month.at(
        vn(11, 4),
        chat,
        "payload:loc:kien-hai",
        "payload:m:ask",
        "Tự kiểm tra diện hỗ trợ (2026): hộ nghèo. Nhà tôi có được hỗ trợ không?",
    )
    await login(client, "admin", PASSWORD)
    lines = dict(page_lines(await (await client.get("/dashboard/stats?month=2026-11")).text()))
    assert lines["Số câu hỏi nhận được"] == 1
    assert lines["Số lượt tự kiểm tra"] == 0
    assert lines["Số kết quả người dân đồng ý lưu cho cán bộ"] == 0
