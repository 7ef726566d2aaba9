"""Speech normalisation for loudspeaker clips: golden cases from the plans' own writing, and the
pronunciation list (audio/pronunciations.yaml) with the operators' edits over it."""

from pathlib import Path

import pytest
import yaml

from audio.pronunciations import Pronunciations, load_base, merge_edits
from audio.speech import normalize_for_speech
from tests.conftest import run_cli

GOLDENS = yaml.safe_load(
    (Path(__file__).parent / "data" / "speech_goldens.yaml").read_text("utf-8")
)
CASES = [tuple(case) for case in GOLDENS["cases"]]


def test_there_are_at_least_150_goldens():
    assert len(CASES) >= 150
    assert len({text for text, _ in CASES}) == len(CASES)


@pytest.mark.parametrize(("text", "spoken"), CASES)
def test_golden(text, spoken):
    assert normalize_for_speech(text) == spoken


@pytest.mark.parametrize(("term", "reading"), sorted(load_base().items()))
def test_every_term_of_the_list_is_read_in_full(term, reading):
    assert normalize_for_speech(f"Gặp {term} xã") == f"Gặp {reading} xã".replace("&", " và ")


def test_the_list_has_the_plans_abbreviations():
    terms = load_base()
    wanted = "SĐT HTX NHCSXH BHYT TGPL UBND HĐND MTTQ LĐ-TB&XH TB&XH THCS THPT ĐBKK DTTS"
    assert set(wanted.split()) <= set(terms)


def test_edits_over_the_file():
    base = {"UBND": "Ủy ban nhân dân", "HTX": "hợp tác xã"}
    edits = [
        ("HTX", "set", "hợp tác xã nông nghiệp"),
        ("UBND", "remove", None),
        ("BCĐ", "set", "Ban Chỉ đạo"),
        ("HTX", "reset", None),
    ]
    words = Pronunciations.of(merge_edits(base, edits))
    assert normalize_for_speech("UBND và HTX, BCĐ", words) == "UBND và hợp tác xã, Ban Chỉ đạo"


def test_audio_normalize_command(tmp_path):
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}
    result = run_cli("audio", "normalize", "Gọi 1800.1233 từ 8h-17h, SĐT 0297 3830 123", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "Gọi một tám không không, một hai ba ba từ tám giờ đến mười bảy giờ, "
        "số điện thoại không hai chín bảy, ba tám ba không, một hai ba"
    )
    lines = run_cli("audio", "normalize", "-", stdin="thứ 4\n3tr5\n", env=env)
    assert lines.stdout.splitlines() == ["thứ Tư", "ba triệu năm trăm nghìn"]
