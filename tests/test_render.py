"""Fitting replies to what each channel can show: one function, every channel's shape."""

from __future__ import annotations

from bot.channel import Capabilities
from bot.messages import AudioRef, Button, Phone, Reply
from bot.render import fit, numbered_lines, split_text, utf16_len

# The channels' shapes as the plan gives them (§4); the registry holds the real ones.
TELEGRAM = Capabilities(
    max_text=4096, max_buttons=100, numbered_choices=False, audio_out=True, clip_upload=True
)
ZALO_OA = Capabilities(max_text=2000, max_buttons=4, max_button_title=35, phone_buttons=True)
ZALO_BOT = Capabilities(max_text=2000)
CONSOLE = Capabilities(max_text=20000, push=False)

CHOICES = (
    Button("Hộ nghèo là gì?", "faq:1"),
    Button("Vay vốn ưu đãi", "faq:2"),
    Button("Đăng ký nhận tin", "sub:on"),
)


def test_choices_become_numbered_lines_where_the_channel_numbers_them():
    parts = fit(Reply("Bác muốn hỏi gì?", buttons=CHOICES), ZALO_BOT)

    assert [p.text for p in parts] == [
        "Bác muốn hỏi gì?\n\n  1. Hộ nghèo là gì?\n  2. Vay vốn ưu đãi\n  3. Đăng ký nhận tin"
    ]
    assert parts[0].buttons == ()  # no native buttons on Zalo Bot
    assert numbered_lines(CHOICES)[1] == "  2. Vay vốn ưu đãi"


def test_telegram_shows_the_buttons_natively_without_numbering():
    parts = fit(Reply("Bác muốn hỏi gì?", buttons=CHOICES), TELEGRAM)

    assert [p.text for p in parts] == ["Bác muốn hỏi gì?"]
    assert parts[0].buttons == CHOICES


def test_a_long_answer_is_split_at_2000_and_an_emoji_at_the_cut_stays_whole():
    # 1999 units of text, then an emoji (two UTF-16 units) straddling the 2000th unit.
    text = "a" * 1999 + "😀" + "b" * 100
    parts = fit(Reply(text), ZALO_BOT)

    assert [p.text for p in parts] == ["a" * 1999, "😀" + "b" * 100]
    assert all(utf16_len(p.text) <= 2000 for p in parts)


def test_a_surrogate_pair_at_the_cut_is_never_separated():
    pair = "\ud83d\ude00"  # the same emoji as two code points, as some JSON decoders leave it
    text = "a" * 1999 + pair + "b" * 10

    parts = split_text(text, 2000)

    assert parts == ["a" * 1999, pair + "b" * 10]


def test_a_split_prefers_a_newline_then_a_space():
    paragraph = "x" * 1500
    parts = split_text(f"{paragraph}\n{paragraph} {paragraph}", 2000)

    assert parts == [paragraph, paragraph, paragraph]


def test_buttons_go_on_the_last_part_only():
    parts = fit(Reply("chữ " * 1000, buttons=CHOICES), Capabilities(max_text=2000, max_buttons=4))

    assert len(parts) > 1
    assert all(p.buttons == () for p in parts[:-1])
    assert parts[-1].buttons == CHOICES


def test_audio_becomes_a_link_line_where_the_channel_cannot_send_clips():
    clip = AudioRef("faq-1", "Hộ nghèo là gì", "https://example.org/audio/faq-1")
    reply = Reply("Nghe đọc:", audio=clip)

    (zalo,) = fit(reply, ZALO_BOT)
    (telegram,) = fit(reply, TELEGRAM)

    assert zalo.text == "Nghe đọc:\n  [âm thanh: Hộ nghèo là gì] https://example.org/audio/faq-1"
    assert zalo.audio is None
    assert telegram.text == "Nghe đọc:"
    assert telegram.audio == clip


def test_audio_without_a_known_link_is_named_without_one():
    (part,) = fit(Reply("Nghe:", audio=AudioRef("faq-1", "Vay vốn")), CONSOLE)

    assert part.text == "Nghe:\n  [âm thanh: Vay vốn]"


def test_zalo_oa_shows_four_buttons_and_numbers_them_all():
    five = (*CHOICES, Button("Hỏi cán bộ", "ask"), Button("Về đầu", "menu"))
    (part,) = fit(Reply("Chọn một mục:", buttons=five), ZALO_OA)

    assert part.buttons == five[:4]
    assert part.text.endswith("  4. Hỏi cán bộ\n  5. Về đầu")


def test_long_button_titles_are_cut_to_35_with_an_ellipsis():
    long = Button("Hướng dẫn thủ tục đăng ký hộ cận nghèo năm 2026 tại xã", "faq:9")
    (part,) = fit(Reply("Xem:", buttons=(long,)), ZALO_OA)

    (title,) = [b.label for b in part.buttons]
    assert len(title) == 35
    assert title.endswith("…")
    assert part.buttons[0].payload == "faq:9"
    assert "  1. Hướng dẫn thủ tục đăng ký hộ cận nghèo năm 2026 tại xã" in part.text


def test_phones_share_the_button_room_and_only_where_dial_buttons_exist():
    phones = (Phone("Gọi cán bộ xã", "0901234567"), Phone("Gọi trợ giúp pháp lý", "19001234"))
    reply = Reply("Liên hệ:", buttons=CHOICES, phones=phones)

    (oa,) = fit(reply, ZALO_OA)
    (bot,) = fit(reply, ZALO_BOT)

    assert oa.buttons == CHOICES
    assert oa.phones == phones[:1]  # three buttons and one phone fill the four places
    assert len(oa.buttons) + len(oa.phones) <= ZALO_OA.max_buttons
    assert bot.phones == ()


def test_a_reply_travels_through_an_outbox_row_unchanged():
    reply = Reply(
        "Thông báo của xã",
        buttons=CHOICES,
        phones=(Phone("Gọi", "0901234567"),),
        audio=AudioRef("ann-3", "Lịch tiêm chủng", "https://example.org/a/3"),
        image_url="https://example.org/poster.png",
        announcement=3,
    )

    text, payload = reply.as_row()

    assert payload["buttons"][0] == ["Hộ nghèo là gì?", "faq:1"]
    assert payload["audio"] == {
        "key": "ann-3",
        "title": "Lịch tiêm chủng",
        "url": "https://example.org/a/3",
    }
    assert Reply.from_row(text, payload) == reply
    assert Reply("Cảm ơn bác.").as_row() == ("Cảm ơn bác.", None)
