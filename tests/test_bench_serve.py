"""The pure pieces of the classroom load bench (``bench/bench_serve.py``): reading a visitor's
screen from textual-serve's frames, the process tree's memory, the printed URL and the
websocket a browser opens. No server starts here, and nothing is timed.

``data/serve_frames_80x24.bin.gz`` is a recording of the frames a visitor of ``lr-explorer
serve`` received at 80x24 until the lesson's first results showed (``python
bench/bench_serve.py --visitors 1 --keys 0 --width 80 --height 24 --record FILE``).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_serve.py"
RECORDING = Path(__file__).parent / "data" / "serve_frames_80x24.bin.gz"


@pytest.fixture(scope="module")
def bench():
    """The bench module (``bench/`` is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_serve", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_serve"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("bench_serve", None)


@pytest.fixture(scope="module")
def frames(bench) -> list[bytes]:
    return bench.unpack_frames(RECORDING.read_bytes())


def _screen(bench, chunks) -> list[str]:
    reader = bench.ScreenReader(80, 24)
    for chunk in chunks:
        reader.feed(chunk)
    return reader.lines()


def test_the_recorded_frames_show_the_lesson_s_first_row(bench, frames) -> None:
    reader = bench.ScreenReader(80, 24)
    for frame in frames:
        reader.feed(frame)
    assert reader.find(bench.first_row_pattern(0.01)), reader.text()
    assert not reader.find(bench.first_row_pattern(0.02))
    text = reader.text()
    assert "learning rate" in text and "(w + 1)**2" in text
    assert "w = 3.005648  loss = 16.045214" in text  # the lesson's last step, in the status


@pytest.mark.parametrize("size", [7, 13, 4096])
def test_frames_cut_anywhere_draw_the_same_screen(bench, frames, size) -> None:
    """Escape sequences and UTF-8 characters (the borders, the braille plot) cut between two
    feeds come out whole."""
    whole = _screen(bench, frames)
    stream = b"".join(frames)
    chunks = [stream[at : at + size] for at in range(0, len(stream), size)]
    assert _screen(bench, chunks) == whole


def test_colours_are_dropped_and_text_is_kept(bench) -> None:
    drawn = b"\x1b[1;1H\x1b[38;2;255;0;0;48;2;0;0;0mred\x1b[0m \x1b[1mbold\x1b[22m"
    lines = _screen(bench, [drawn])
    assert lines[0].rstrip() == "red bold"


def test_a_row_is_seen_in_the_frame_that_draws_it(bench, frames) -> None:
    """Looking at the rows each frame changed finds the first row in the same frame as
    looking at the whole screen does."""
    pattern = bench.first_row_pattern(0.01)
    whole = bench.ScreenReader(80, 24)
    dirty = bench.ScreenReader(80, 24)
    assert not dirty.find(pattern)
    first_whole = first_dirty = None
    for number, frame in enumerate(frames):
        whole.feed(frame)
        dirty.feed(frame)
        if first_whole is None and whole.find(pattern):
            first_whole = number
        if first_dirty is None and dirty.find(pattern, dirty_only=True):
            first_dirty = number
    assert first_whole is not None and first_dirty == first_whole
    assert not dirty.find(pattern, dirty_only=True), "nothing changed since the last look"


def test_the_first_row_pattern_matches_that_run_only(bench) -> None:
    lesson = bench.first_row_pattern(0.01)
    assert lesson.search("▕   1  4.880000  36.000000  0.010000   ")
    assert not lesson.search("▕  11  4.880000  36.000000  0.010000")
    assert not lesson.search("▕   1  4.880000  36.000000  0.0100001")
    negative = bench.first_row_pattern(0.42)  # 5 - 12 * 0.42
    assert negative.search("   1  -0.040000  36.000000  0.420000")
    assert not bench.first_row_pattern(0.02).search("   1  4.760000  36.000000  0.200000")


def test_typed_rates_are_new_rows_and_typed_as_they_read(bench) -> None:
    lesson = bench.first_row_pattern(0.01).pattern
    for visitor in range(40):
        before = 0.01
        for key in range(60):
            lr = bench.typed_rate(visitor, key)
            assert 0.02 <= lr <= 0.91 and lr != before
            assert float("".join(bench.digits(lr))) == lr
            assert bench.first_row_pattern(lr).pattern != lesson
            before = lr
    assert bench.typed_rate(0, 0) != bench.typed_rate(1, 0), "visitors type different rates"


SMAPS_ROLLUP = """\
5581a6e4d000-7ffc8b7f5000 ---p 00000000 00:00 0                          [rollup]
Rss:              706512 kB
Pss:              291043 kB
Pss_Dirty:         98112 kB
Pss_Anon:          97940 kB
Pss_File:         193103 kB
Shared_Clean:     414924 kB
Private_Dirty:     98084 kB
Swap:                  0 kB
"""


def test_jittered_pauses_drift_apart_and_repeat(bench) -> None:
    assert bench.think_times(3, 4, 0.5, False) == [0.5] * 4
    pauses = [bench.think_times(visitor, 40, 0.5, True) for visitor in range(30)]
    assert pauses[7] == bench.think_times(7, 40, 0.5, True)  # the same in every run
    assert all(0.0 <= p <= 1.0 for each in pauses for p in each)
    firsts = {round(each[0], 6) for each in pauses}
    assert len(firsts) == 30  # no two visitors type in step
    mean = sum(map(sum, pauses)) / (30 * 40)
    assert abs(mean - 0.5) < 0.05


def test_smaps_rollup_fields_in_bytes(bench) -> None:
    fields = bench.parse_smaps_rollup(SMAPS_ROLLUP)
    assert fields["Pss"] == 291043 * 1024 and fields["Rss"] == 706512 * 1024
    assert fields["Swap"] == 0
    assert not any(name.startswith("5581") for name in fields), "the header is no field"


def test_stat_is_read_after_the_command_name(bench) -> None:
    stat = "4242 (py (the) one) S 17 4242 4242 0 -1 4194560 " + " ".join(["0"] * 12) + " 987654"
    assert bench.parse_stat(stat + " 1 2 3") == (17, 987654)


def test_descendants_of_a_process(bench) -> None:
    parents = {10: 1, 11: 10, 12: 11, 13: 10, 20: 1, 21: 20}
    assert bench.descendants(10, parents) == [10, 11, 12, 13]
    assert bench.descendants(21, parents) == [21]


@pytest.mark.parametrize(
    ("printed", "url"),
    [
        ("serving lr-explorer at http://127.0.0.1:8000 (ctrl+c stops)", "http://127.0.0.1:8000"),
        (
            "serving lr-explorer at http://10.0.0.5:8000/?token=Ab-c_9 (ctrl+c stops)",
            "http://10.0.0.5:8000/?token=Ab-c_9",
        ),
        (
            "lr-explorer 正在提供服务，地址：http://127.0.0.1:8000/?token=x1（按 ctrl+c 停止）",
            "http://127.0.0.1:8000/?token=x1",
        ),
        ("Serving 'python -m tui' on https://room.example.org.", "https://room.example.org"),
    ],
)
def test_the_url_the_server_prints(bench, printed, url) -> None:
    assert bench.find_url("some banner\n" + printed + "\n") == url


def test_no_url(bench) -> None:
    assert bench.find_url("Traceback (most recent call last):\n") is None


PAGE = '<div class="textual-terminal" data-session-websocket-url="{url}" data-font-size="16">'


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_the_websocket_the_page_names_with_the_size_and_the_token(bench) -> None:
    page = PAGE.format(url="ws://127.0.0.1:8000/ws")
    ws = bench.websocket_url(page, "http://127.0.0.1:8000/?token=T0k", 120, 36)
    assert ws.startswith("ws://127.0.0.1:8000/ws?")
    assert _query(ws) == {"token": ["T0k"], "width": ["120"], "height": ["36"]}


def test_a_token_already_in_the_page_s_websocket_is_kept_once(bench) -> None:
    page = PAGE.format(url="ws://10.0.0.5:8000/ws?token=T0k&amp;x=1")
    ws = bench.websocket_url(page, "http://10.0.0.5:8000/?token=T0k", 80, 24)
    assert _query(ws) == {"token": ["T0k"], "x": ["1"], "width": ["80"], "height": ["24"]}


def test_without_the_attribute_the_websocket_is_ws_on_the_page_s_host(bench) -> None:
    ws = bench.websocket_url("<html></html>", "https://room.example.org/", 80, 24)
    assert ws == "wss://room.example.org/ws?width=80&height=24"
    assert bench.origin_of("http://127.0.0.1:8000/?token=x") == "http://127.0.0.1:8000"


def test_percentile(bench) -> None:
    assert bench.percentile([], 0.9) is None
    assert bench.percentile([3.0], 0.9) == 3.0
    assert bench.percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5
    assert bench.percentile([float(v) for v in range(11)], 0.9) == pytest.approx(9.0)


def test_a_recording_unpacks_to_its_frames(bench) -> None:
    frames = [b"\x1b[H", b"", b"x" * 70_000]
    assert bench.unpack_frames(bench.pack_frames(frames)) == frames


def test_results_drawn_at_another_size_are_not_at_the_visitor_s_size(bench, frames) -> None:
    """The 80x24 recording, as a ready app drawn at 80x24 replays it to a 120x36 visitor: its
    results are on screen, but not drawn at the visitor's size until its last row is drawn."""
    lesson = bench.first_row_pattern(0.01)
    larger = bench.ScreenReader(120, 36)
    for frame in frames:
        larger.feed(frame)
    assert larger.find(lesson) and not larger.shows(lesson)
    same = bench.ScreenReader(80, 24)
    for frame in frames:
        same.feed(frame)
    assert same.shows(lesson)
