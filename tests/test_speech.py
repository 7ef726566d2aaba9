"""Speech normalisation for loudspeaker clips: golden cases from the plans' own writing."""

from pathlib import Path

import pytest
import yaml

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


def test_audio_normalize_command():
    result = run_cli("audio", "normalize", "Gọi 1800.1233 từ 8h-17h")
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip()
        == "Gọi một tám không không, một hai ba ba từ tám giờ đến mười bảy giờ"
    )
