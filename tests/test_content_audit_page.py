"""The content audit in the dashboard over HTTP: admins only, the same findings as `content audit`
grouped by kind with counts, a date picker, and contacts officers checked no longer stale."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest

from content.audit import audit_content, count_findings
from tests.web_client import csrf_of, login, web_client

PASSWORD = "mat-khau-du-dai-1"
PAGE = "/dashboard/content-audit"
CONTACT = "tgpl-an-giang"


def vn_today() -> dt.date:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=7)).date()


@pytest.fixture
async def client(settings, knowledge):
    async with web_client(
        settings,
        knowledge,
        officers=(
            ("admin", "admin", None),
            ("angiang", "officer", "p:91"),
            ("xem", "viewer", None),
        ),
        password=PASSWORD,
    ) as c:
        yield c


async def page_text(client, query: str = "") -> tuple[int, str]:  # type: ignore[no-untyped-def]
    response = await client.get(PAGE + query)
    return response.status, html_lib.unescape(await response.text())


def listed(page: str, kind: str) -> list[str]:
    """The ids of one kind's rows on the page."""
    return re.findall(rf'<tr data-kind="{kind}"><td>(?:<a href="[^"]*">)?([a-z0-9_-]+)<', page)


async def test_admin_sees_every_finding_of_the_day_grouped_with_counts(client, knowledge):
    await login(client, "admin", PASSWORD)
    assert "Rà soát nội dung" in await (await client.get("/dashboard")).text()  # the nav link
    content = knowledge.content
    day = dt.date(2027, 12, 8)  # a year and a day after every FAQ file was checked
    status, page = await page_text(client, "?date=2027-12-08")
    assert status == 200
    assert "Rà soát nội dung ngày 08/12/2027" in page
    assert 'name="date" value="2027-12-08"' in page
    findings = audit_content(content, day)
    counts = count_findings(findings)
    assert counts["stale_entry"] == len(content.entries)
    assert f"Quá 365 ngày chưa kiểm tra lại ({len(content.entries)})" in page
    assert f"Đã hết hiệu lực ({counts['expired']})" in page
    for kind in counts:
        assert sorted(listed(page, kind)) == sorted(f.id for f in findings if f.kind == kind)
    entry = content.entries["hoc-nghe-ai-duoc-tham-gia"]
    row = page.split('<tr data-kind="stale_entry"><td>hoc-nghe-ai-duoc-tham-gia<', 1)[1]
    row = row.split("</tr>", 1)[0]
    assert entry.questions[0] in row
    assert content.entry_files[entry.id] in row
    assert "kiểm tra lần cuối 07/12/2026" in row


async def test_the_page_shows_today_in_vietnam_by_default(client, knowledge):
    await login(client, "admin", PASSWORD)
    today = vn_today()
    status, page = await page_text(client)
    assert status == 200
    assert f"Rà soát nội dung ngày {today:%d/%m/%Y}" in page
    assert sorted(listed(page, "expired")) == sorted(
        f.id for f in audit_content(knowledge.content, today) if f.kind == "expired"
    )


async def test_a_bad_date_is_refused_in_vietnamese(client):
    await login(client, "admin", PASSWORD)
    for bad in ("2027-13-01", "hom-nay", "07/12/2026"):
        status, page = await page_text(client, f"?date={bad}")
        assert status == 400, bad
        assert "Ngày không hợp lệ" in page


@pytest.mark.parametrize("username", ["angiang", "xem"])
async def test_officers_and_viewers_may_not_see_it(client, username):
    await login(client, username, PASSWORD)
    assert "Rà soát nội dung" not in await (await client.get("/dashboard")).text()
    status, page = await page_text(client, "?date=2027-12-08")
    assert status == 403
    assert "hoc-nghe-ai-duoc-tham-gia" not in page


async def test_a_contact_checked_in_the_dashboard_is_not_listed_as_stale(client, knowledge):
    base = knowledge.content.contacts[CONTACT]
    today = vn_today()
    assert base.checked < today  # the content's check is older than today's
    day = today + dt.timedelta(days=179)  # stale from the file's date, fresh from today's check
    query = f"?date={day.isoformat()}"
    await login(client, "admin", PASSWORD)
    assert CONTACT in listed((await page_text(client, query))[1], "stale_contact")

    token = await csrf_of(client, "/dashboard/contacts")
    confirmed = await client.post(
        "/dashboard/contacts", data={"csrf": token, "contact": CONTACT}, allow_redirects=False
    )
    assert confirmed.status == 303
    assert CONTACT not in listed((await page_text(client, query))[1], "stale_contact")
    later = f"?date={(today + dt.timedelta(days=180)).isoformat()}"
    assert CONTACT in listed((await page_text(client, later))[1], "stale_contact")
