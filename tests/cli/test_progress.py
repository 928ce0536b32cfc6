"""The command line's progress bar (tqdm on stderr), read back from the captured stderr."""

from __future__ import annotations

import logging
import re

from streamart.cli.progress import ProgressBar, log_through_progress_bars


def final_line(err: str) -> str:
    """What the terminal shows last: tqdm redraws its line after carriage returns."""
    return re.split(r"[\r\n]", err.rstrip("\n"))[-1]


def test_quiet_shows_nothing(capsys):
    with ProgressBar("encoding", quiet=True) as bar:
        bar.update(1, 10)
        bar.update(10, 10, fps=24.5)
    assert capsys.readouterr() == ("", "")


def test_no_update_no_bar(capsys):
    with ProgressBar("encoding"):
        pass  # a run that failed before its first frame
    assert capsys.readouterr() == ("", "")


def test_the_first_update_creates_the_bar_with_its_total(capsys):
    bar = ProgressBar("encoding")
    assert capsys.readouterr().err == ""
    with bar:
        bar.update(3, 10)
        assert "encoding" in capsys.readouterr().err  # shown at once, before the block ends
        bar.update(7, 10)
    err = capsys.readouterr()
    assert err.out == ""
    last = final_line(err.err)
    assert last.startswith("encoding:") and "7/10" in last and "frame/s" in last


def test_postfix_values_follow_the_bar_floats_shortened(capsys):
    with ProgressBar("training", unit="it") as bar:
        bar.update(1, 4, content=12.3456789, style=0.000123456, name="stripes", temporal=0.0)
        bar.update(2, 4, content=1.5, style=0.25, name="stripes", temporal=0.0)
    last = final_line(capsys.readouterr().err)
    assert "2/4" in last and "it/s" in last
    assert "content=1.5" in last and "style=0.25" in last and "name=stripes" in last
    assert "temporal=0" in last
    assert "12.3" not in last  # the newest values replace the earlier ones


def test_unknown_total_then_known_and_never_backwards(capsys):
    with ProgressBar("reading") as bar:
        bar.update(4)
        assert "/" not in final_line(capsys.readouterr().err).split("[")[0]  # no total yet
        bar.update(6, 20)
        bar.update(5, 20)  # a late, smaller count does not move the bar back
    last = final_line(capsys.readouterr().err)
    assert "6/20" in last


def test_floats_get_three_significant_digits(capsys):
    with ProgressBar("x") as bar:
        bar.update(1, 1, loss=12.3456789, tiny=0.000123456)
    last = final_line(capsys.readouterr().err)
    assert "loss=12.3" in last and "tiny=0.000123" in last


def test_written_lines_appear_above_the_bar_even_when_quiet(capsys):
    with ProgressBar("encoding") as bar:
        bar.update(1, 4)
        bar.write("done    a.mp4")
        bar.update(2, 4)
    err = capsys.readouterr().err
    assert "done    a.mp4\n" in err and err.index("done    a.mp4") < err.rindex("2/4")
    with ProgressBar("encoding", quiet=True) as bar:
        bar.write("failed  b.mp4: not a video")
    assert capsys.readouterr().err == "failed  b.mp4: not a video\n"


def test_a_logged_exception_keeps_its_traceback(capsys, monkeypatch):
    """The web app's failed jobs send the person to the server's log for a bug's details."""
    logger = logging.getLogger("streamart")
    monkeypatch.setattr(logger, "handlers", [])  # this test's handler goes with it
    monkeypatch.setattr(logger, "level", logger.level)
    log_through_progress_bars()
    try:
        {}["missing"]
    except KeyError as exc:
        logging.getLogger("streamart.web.jobs").error("job 1234 (photo) failed", exc_info=exc)
    logging.getLogger("streamart.web.jobs").warning("a warning stays one line")
    err = capsys.readouterr().err
    assert err.startswith("error: job 1234 (photo) failed\nTraceback (most recent call last):\n")
    assert "KeyError: 'missing'\nwarning: a warning stays one line\n" in err
