"""Choosing a locality by name: accented, unaccented, old (before 1 July 2025) and misspelt."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from content.places import Places
from db.models import Citizen
from db.session import make_session_factory


@pytest.fixture(scope="module")
def places() -> Places:
    return Places()


@pytest.mark.parametrize(
    ("typed", "unit", "now_province"),
    [
        ("Huyện Kiên Hải", "Huyện Kiên Hải, Tỉnh Kiên Giang", "Tỉnh An Giang"),
        ("kien hai", "Huyện Kiên Hải, Tỉnh Kiên Giang", "Tỉnh An Giang"),
        ("kien hia", "Huyện Kiên Hải, Tỉnh Kiên Giang", "Tỉnh An Giang"),  # misspelt
        ("Đắk Lắk", "Tỉnh Đắk Lắk", "Tỉnh Đắk Lắk"),
        ("Dak Lak", "Tỉnh Đắk Lắk", "Tỉnh Đắk Lắk"),
        ("dac lac", "Tỉnh Đắk Lắk", "Tỉnh Đắk Lắk"),
        ("tp kon tum", "Thành phố Kon Tum, Tỉnh Kon Tum", "Tỉnh Quảng Ngãi"),
        (
            "xã Hòa Bình, thành phố Kon Tum",
            "Xã Hòa Bình, Thành phố Kon Tum, Tỉnh Kon Tum",
            "Tỉnh Quảng Ngãi",
        ),
        ("xa hoa binh kon tum", "Xã Hòa Bình, Thành phố Kon Tum, Tỉnh Kon Tum", "Tỉnh Quảng Ngãi"),
        ("thi xa huong tra", "Thị xã Hương Trà, Thành phố Huế", "Thành phố Huế"),
        ("long khanh", "Thành phố Long Khánh, Tỉnh Đồng Nai", "Tỉnh Đồng Nai"),
        ("Phú Yên", "Tỉnh Phú Yên", "Tỉnh Đắk Lắk"),  # merged into Đắk Lắk
        ("binh phuoc", "Tỉnh Bình Phước", "Tỉnh Đồng Nai"),
        ("Kiên Giang", "Tỉnh Kiên Giang", "Tỉnh An Giang"),
        ("hoa binh", "Tỉnh Hòa Bình", "Tỉnh Phú Thọ"),
        ("sai gon", "Thành phố Hồ Chí Minh", "Thành phố Hồ Chí Minh"),
        ("phuong tran bien", "Phường Trấn Biên, Tỉnh Đồng Nai", "Tỉnh Đồng Nai"),
    ],
)
def test_find_resolves_to_todays_unit(places, typed, unit, now_province):
    resolved = places.find(typed)
    assert resolved is not None
    assert resolved.place.label() == unit
    assert resolved.now_province == now_province


def test_an_old_commune_maps_to_its_new_commune(places):
    resolved = places.find("xã Hòa Bình, thành phố Kon Tum")
    assert resolved.place.legacy
    assert resolved.now_ward and resolved.code.startswith("w:")
    assert places.describe(resolved.code).endswith("Tỉnh Quảng Ngãi")
    assert places.province_code_of(resolved.code) == resolved.now_province_code


@pytest.mark.parametrize("typed", ["abc xyz", "sao hỏa", ""])
def test_unknown_places_are_not_guessed(places, typed):
    assert places.find(typed) is None


async def citizen(runtime) -> Citizen:
    async with make_session_factory(runtime.engine)() as session:
        return (await session.execute(select(Citizen))).scalar_one()


async def test_chat_old_name_is_mapped_with_a_note(chat, runtime):
    await chat.say("/diaphuong")
    await chat.say("phu yen")
    assert "Tỉnh Phú Yên" in chat.text and "nay thuộc" in chat.text and "Đắk Lắk" in chat.text
    assert (await citizen(runtime)).locality_id == "p:66"


async def test_chat_plan_locality_is_recognised_under_any_spelling(chat, runtime):
    await chat.say("/diaphuong")
    await chat.say("xa hoa binh, tp kon tum")
    assert (await citizen(runtime)).locality_id == "hoa-binh-kon-tum"
    await chat.say("/diaphuong")
    await chat.say("Đắk Lắk")
    assert (await citizen(runtime)).locality_id == "dak-lak"


async def test_dac_khu_kien_hai_is_the_special_zone_not_a_commune_in_hai_phong(chat, runtime):
    resolved = Places().find("Đặc khu Kiên Hải")  # the name on the bot's own contact card
    assert resolved.place.name == "Đặc khu Kiên Hải" and resolved.now_province == "Tỉnh An Giang"
    assert Places().find("dac khu kien hai").place.name == "Đặc khu Kiên Hải"
    await chat.say("/diaphuong")
    await chat.say("Đặc khu Kiên Hải")
    assert "Hải Phòng" not in chat.text
    assert (await citizen(runtime)).locality_id == "kien-hai"  # the plan of the old district


async def test_the_province_typed_after_a_commune_is_honoured(chat, runtime):
    await chat.say("/diaphuong")
    await chat.say("xa Hoa Binh Quang Ngai")  # the old Xã Hòa Bình of Kon Tum, now Quảng Ngãi
    assert "Phú Thọ" not in chat.text and "Quảng Ngãi" in chat.text
    assert (await citizen(runtime)).locality_id == "hoa-binh-kon-tum"


async def test_an_ambiguous_commune_name_is_asked_about_with_buttons(chat, runtime):
    await chat.say("/diaphuong")
    await chat.say("xa hoa binh")
    assert "Ý bạn là nơi nào?" in chat.text
    assert 3 <= len(chat.labels) <= 8 and "Không có trong danh sách" in chat.labels
    assert "Xã Hòa Bình (Tỉnh Cà Mau)" in chat.labels
    assert (await citizen(runtime)).locality_id is None  # nothing taken without asking
    await chat.press("Xã Hòa Bình (Tỉnh Cà Mau)")
    assert "Đã ghi nhận" in chat.text and "Cà Mau" in chat.text
    assert (await citizen(runtime)).locality_id == "w:31891"


async def test_not_in_the_list_asks_for_the_district_or_province(chat, runtime):
    await chat.say("/diaphuong")
    await chat.say("xa hoa binh")
    await chat.say(str(chat.labels.index("Không có trong danh sách") + 1))  # numbered channels
    assert "kèm huyện cũ hoặc tỉnh" in chat.text
    await chat.say("xa hoa binh, kon tum")
    assert (await citizen(runtime)).locality_id == "hoa-binh-kon-tum"
