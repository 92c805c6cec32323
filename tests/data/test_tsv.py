"""The shared line/TSV reader: quoting off, line ends, header lookup and its errors."""

import functools
import os
import time

from tests.data.formats import MNLI_DEV, STSB_TEST, assert_data_error, write_tsv
from xstilts.cli import main
from xstilts.data.tsv import MAX_LINE_BYTES, nonempty, read_lines, read_rows


def test_fields_are_split_on_tabs_only_and_quotes_are_data(tmp_path):
    path = write_tsv(tmp_path / "q.tsv", ["a", "b"], [['"open', 'mid "quoted" end"'], ['6" ruler', '""']])
    assert list(read_rows(path, ["b", "a"])) == [
        (2, {"b": 'mid "quoted" end"', "a": '"open'}),
        (3, {"b": '""', "a": '6" ruler'}),
    ]


def test_windows_line_ends_leave_no_carriage_return():
    rows = list(read_rows(MNLI_DEV, ["gold_label"]))
    assert [row["gold_label"] for _, row in rows] == ["neutral", "contradiction", "entailment"]


def test_last_line_without_newline_is_read():
    rows = list(read_rows(STSB_TEST, ["sentence2"]))
    assert rows[-1] == (3, {"sentence2": "Obama signs the bill"})


def test_lines_split_on_newline_only_and_bom_dropped(tmp_path):
    path = tmp_path / "odd.tsv"
    path.write_bytes("\ufeffa\tb\r\nx\ry\tz\u2028w\n".encode())
    assert list(read_lines(path)) == [(1, "a\tb"), (2, "x\ry\tz\u2028w")]


def test_optional_columns_only_when_present_and_blank_lines_skipped(tmp_path):
    path = write_tsv(tmp_path / "t.tsv", ["a", "b"], [["1", "2"], [], ["3", "4"]])
    assert list(read_rows(path, ["a"], optional=["c", "b"])) == [(2, {"a": "1", "b": "2"}), (4, {"a": "3", "b": "4"})]


def test_missing_file(tmp_path):
    assert_data_error(lambda: list(read_rows(tmp_path / "nope.tsv", ["a"])), tmp_path / "nope.tsv", 0, "file not found")


def test_directory_instead_of_file(tmp_path):
    assert_data_error(lambda: list(read_lines(tmp_path)), tmp_path, 0, "is a directory, not a file")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.tsv"
    path.write_text("")
    assert_data_error(lambda: list(read_rows(path, ["a"])), path, 1, "empty file")
    path.write_text("\n \n")
    assert_data_error(lambda: list(read_rows(path, ["a"])), path, 1, "empty file")


def test_blank_first_line(tmp_path):
    path = tmp_path / "late.tsv"
    path.write_text("\na\tb\n1\t2\n")
    assert_data_error(lambda: list(read_rows(path, ["a"])), path, 1, "blank first line: expected the header row")


def test_missing_required_column(tmp_path):
    path = write_tsv(tmp_path / "h.tsv", ["a", "b"], [["1", "2"]])
    assert_data_error(
        lambda: list(read_rows(path, ["a", "score"])), path, 1, "missing column 'score' in the header (has: a, b)"
    )


def test_wrong_field_count(tmp_path):
    path = write_tsv(tmp_path / "n.tsv", ["a", "b", "c"], [["1", "2", "3"], ["1", "2"], ["1", "2", "3", "4"]])
    rows = read_rows(path, ["a"])
    assert next(rows) == (2, {"a": "1"})
    assert_data_error(lambda: next(rows), path, 3, "expected 3 tab-separated fields (as in the header), got 2")
    path = write_tsv(tmp_path / "n.tsv", ["a", "b", "c"], [["1", "2", "3", "4"]])
    assert_data_error(
        lambda: list(read_rows(path, ["a"])), path, 2, "expected 3 tab-separated fields (as in the header), got 4"
    )


def test_invalid_utf8(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_bytes(b"a\tb\nok\tfine\n\xffx\ty\n")
    assert_data_error(lambda: list(read_rows(path, ["a"])), path, 3, "not valid UTF-8 (byte 1 of the line)")


def test_nonempty(tmp_path):
    assert nonempty("f.tsv", 4, {"s": " text "}, "s") == " text "
    assert_data_error(lambda: nonempty("f.tsv", 4, {"s": " \t"}, "s"), "f.tsv", 4, "empty sentence in column 's'")


def test_not_a_regular_file_is_refused_before_reading(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # opening it would block until a writer came
    assert_data_error(lambda: list(read_lines(fifo)), fifo, 0, "not a regular file")
    assert_data_error(lambda: list(read_lines("/dev/null")), "/dev/null", 0, "not a regular file")


def test_data_check_of_dev_zero_fails_at_once(capsys):
    # /dev/zero has no line end and no end: it used to be read until memory ran out (22 GB, OOM-killed)
    started = time.monotonic()
    assert main(["data", "check", "ud", "/dev/zero"]) == 1
    assert time.monotonic() - started < 5
    assert capsys.readouterr() == ("", "/dev/zero:0: not a regular file\n")


def test_line_length_limit(tmp_path):
    path = tmp_path / "long.conllu"
    longest = b"x" * MAX_LINE_BYTES
    path.write_bytes(b"a\n" + longest + b"\r\n" + longest)  # at the limit, with and without a line end
    lengths = [(number, len(text)) for number, text in read_lines(path)]
    assert lengths == [(1, 1), (2, MAX_LINE_BYTES), (3, MAX_LINE_BYTES)]
    for end in (b"\r\n", b"\n", b""):
        path.write_bytes(b"a\nb\n" + longest + b"y" + end + b"c\n")
        lines = read_lines(path)
        assert [next(lines), next(lines)] == [(1, "a"), (2, "b")]
        assert_data_error(functools.partial(next, lines), path, 3, "line longer than 1048576 bytes")
