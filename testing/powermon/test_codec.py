"""Unit tests of the wire codec: numbers, ASCII samples, binary items and frames, parsers."""

from __future__ import annotations

import numpy as np
import pytest

from farm.powermon.ascii_stream import AsciiStreamParser
from farm.powermon.binary_codec import (
    LPM01A_FRAME_LENGTHS,
    STLINK_V3PWR_FRAME_LENGTHS,
    decode_items,
    encode_samples,
    fixed_frame,
    text_frame,
    timestamp_frame,
)
from farm.powermon.binary_stream import BinaryStreamParser
from farm.powermon.numbers import (
    format_ascii_sample,
    format_ascii_samples,
    format_duration,
    parse_ascii_sample,
    parse_number,
)
from farm.powermon.stream_items import (
    CompletedMark,
    DeviceErrorMark,
    EndMark,
    EventMark,
    FrameMark,
    TextMark,
    TimestampMark,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [("3300m", 3.3), ("1k", 1000.0), ("3300-3", 3.3), ("100000", 1e5), ("100u", 1e-4),
     ("6409-07", 6409e-7), ("0", 0.0), ("2+3", 2000.0)],
)  # fmt: skip
def test_number_grammar(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value, rel=1e-12)


def test_number_grammar_rejects_garbage_and_seconds_unless_allowed() -> None:
    for bad in ("3.3V", "k1", "", "1 k", "-5"):
        with pytest.raises(ValueError):
            parse_number(bad)
    with pytest.raises(ValueError):
        parse_number("10s")
    assert parse_number("10s", allow_seconds_suffix=True) == 10.0
    assert parse_number("3300m") == 3.3  # exactly: range checks compare against 3.3


def test_ascii_sample_round_trip() -> None:
    assert parse_ascii_sample("6409-07") == pytest.approx(640.9e-6)
    assert format_ascii_sample(640.9e-6) == "6409-07"
    assert format_ascii_sample(0.0) == "0000+00"
    assert format_ascii_sample(9.99995e-3) == "1000-05"  # rounding carries a decade
    values = np.array([640.9e-6, 1.234, 5e-9, 0.0])
    assert format_ascii_samples(values) == [format_ascii_sample(v) for v in values]
    with pytest.raises(ValueError):
        parse_ascii_sample("640-07")
    assert format_duration(0.2) == "200m" and format_duration(150e-6) == "150u"


def test_binary_item_from_spec() -> None:
    assert decode_items(b"\x52\xa0")[0] == pytest.approx(0x2A0 * 16.0**-5)
    assert decode_items(b"\x52\xa0")[0] == pytest.approx(640.9e-6, rel=1e-3)


def test_binary_encoding_keeps_12_bit_precision() -> None:
    values = np.geomspace(1e-9, 0.5, 2000)
    decoded = decode_items(encode_samples(values))
    assert np.all(np.abs(decoded / values - 1) < 1 / 256)
    first_nibbles = np.frombuffer(encode_samples(values), dtype=np.uint8)[0::2] >> 4
    assert first_nibbles.max() <= 14  # 0xF_ is reserved for frames


def test_frame_lengths_differ_for_f5() -> None:
    assert LPM01A_FRAME_LENGTHS[0xF5] == 4
    assert STLINK_V3PWR_FRAME_LENGTHS[0xF5] == 8
    assert len(timestamp_frame(1234, 7)) == 9
    assert fixed_frame(0xF5, b"\x00\x01\x02\x03", STLINK_V3PWR_FRAME_LENGTHS)[-2:] == b"\xff\xff"
    with pytest.raises(ValueError):
        fixed_frame(0xF5, b"\x00\x01\x02\x03", LPM01A_FRAME_LENGTHS)


def _stream(lengths: dict[int, int], f5_payload: bytes) -> tuple[bytes, np.ndarray]:
    values = np.linspace(1e-4, 2e-2, 2500)
    body = timestamp_frame(0, 3) + encode_samples(values[:1000])
    # An F3 whose payload holds FF FF: a parser scanning for FF FF would cut it short.
    body += timestamp_frame(0xFFFF, 0xFF) + encode_samples(values[1000:2000])
    body += fixed_frame(0xF5, f5_payload, lengths) + text_frame(0xF2, "info: hello")
    body += timestamp_frame(20, 4) + encode_samples(values[2000:])
    body += (
        b"\xf0\xf4\xff\xff" + b"summary\r\nsamples: 2500\r\nPowerShield > Acquisition completed\r\n"
    )
    return body, values


@pytest.mark.parametrize(
    ("lengths", "payload"),
    [(LPM01A_FRAME_LENGTHS, b""), (STLINK_V3PWR_FRAME_LENGTHS, b"\x01\x02\x03\x04")],
)
@pytest.mark.parametrize("piece", [1, 3, 7, 4096])
def test_binary_parser_any_split(lengths: dict[int, int], payload: bytes, piece: int) -> None:
    body, values = _stream(lengths, payload)
    parser = BinaryStreamParser(lengths)
    samples, marks, done = [], [], 0
    for at in range(0, len(body), piece):
        chunk = parser.feed(body[at : at + piece])
        marks += [(done + offset, mark) for offset, mark in chunk.marks]
        samples.append(chunk.samples)
        done += len(chunk.samples)
    decoded = np.concatenate(samples)
    assert len(decoded) == 2500
    assert np.allclose(decoded, values, rtol=1 / 256)
    kinds = [(offset, type(mark).__name__) for offset, mark in marks]
    assert kinds[:5] == [
        (0, "TimestampMark"), (1000, "TimestampMark"), (2000, "FrameMark"),
        (2000, "TextMark"), (2000, "TimestampMark"),
    ]  # fmt: skip
    assert marks[1][1] == TimestampMark(elapsed_ms=0xFFFF, buffer_load_pct=0xFF)
    assert isinstance(marks[2][1], FrameMark) and marks[2][1].payload == payload
    assert marks[3][1] == TextMark("info: hello")
    assert isinstance(marks[5][1], EndMark) and isinstance(marks[-1][1], CompletedMark)


def test_binary_parser_error_frame_and_corrupt_item() -> None:
    parser = BinaryStreamParser(LPM01A_FRAME_LENGTHS)
    chunk = parser.feed(encode_samples(np.array([1e-3])) + text_frame(0xF1, "error overrun"))
    assert chunk.marks == [(1, DeviceErrorMark("error overrun"))]
    chunk = BinaryStreamParser(LPM01A_FRAME_LENGTHS).feed(b"\x10\x00\xf0\x00")
    assert any(isinstance(mark, DeviceErrorMark) for _, mark in chunk.marks)


def test_ascii_parser_tolerates_prompts_nuls_and_variants() -> None:
    data = (
        b"\r\nPowerShield > ack start\r\n\r\nTimeStamp: 000s 000ms, buff 00%\r\n\x00\x00"
        b"6409-07\r\n6410-07\r\nevent 01 ris\r\nTimeStamp:> 001s 250ms, buff 12%\r\n"
        b"1000-05\r\nstlp > ack stop\r\n\r\nend\r\nerror something\r\n"
        b"PowerShield > Acquisition completed\r\n"
    )
    parser = AsciiStreamParser()
    samples = [parser.feed(data[at : at + 5]).samples for at in range(0, len(data), 5)]
    values = np.concatenate(samples)
    assert values.tolist() == pytest.approx([640.9e-6, 641.0e-6, 1e-2])
    chunk = AsciiStreamParser().feed(data)
    kinds = [mark for _, mark in chunk.marks]
    assert kinds[0] == TextMark("ack start")
    assert kinds[1] == TimestampMark(0, 0)
    assert kinds[2] == EventMark(1, "ris")
    assert kinds[3] == TimestampMark(1250, 12)
    assert kinds[4] == TextMark("ack stop")
    assert isinstance(kinds[5], EndMark) and kinds[6] == DeviceErrorMark("error something")
    assert isinstance(kinds[7], CompletedMark)
