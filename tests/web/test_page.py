"""The page in a real browser: Debian's chromium, headless, driven by selenium through Debian's
chromedriver, against ``streamart ui`` started as a person would start it (the New style tab's
against the same app with tiny training settings). A fake camera (chromium's own test pattern)
stands in for the webcam. Screenshots go to the test's tmp_path.

Skipped, saying why, where chromium or chromedriver is missing; .ci/run installs both.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from media_factory import make_clip
from model_factory import make_dream_model

from .conftest import own_models  # noqa: F401 - the user's models, one with a painting thumbnail

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (CHROMIUM and CHROMEDRIVER),
        reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
    ),
]

#: How long the page may take for anything (a loaded 2-core machine).
WAIT = 90


@contextlib.contextmanager
def app_process(args: list[str], cwd: Path):
    """The web app started by ``python args`` in a process of its own: yields its address and
    the process; stopped with Ctrl-C (SIGINT) at the end, which it must survive cleanly."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, *args], stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
    # Warnings may come first (the workspace of an app that was killed, removed).
    while (match := re.search(r"http://127\.0\.0\.1:\d+", line := process.stderr.readline())) is None:
        assert line.startswith("warning: "), f"no address in {line!r}"
    yield match.group(0), process
    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 0


@pytest.fixture
def server(tmp_path, own_models):  # noqa: F811
    """``streamart ui --no-browser --port 0`` in a process of its own; its address."""
    with app_process(["-m", "streamart", "ui", "--no-browser", "--port", "0"], tmp_path) as (address, process):
        yield address
    assert "streamart ui stopped" in process.stderr.read()


#: ``streamart ui --no-browser --port 0``, but training with the settings in argv[1] (JSON).
SERVE_TRAINING_TINY = """
import json, sys
from pathlib import Path
from streamart.web.app import serve

settings = json.loads(sys.argv[1])
settings.update({key: Path(settings[key]) for key in ("data", "checkpoint_dir")})
try:
    serve(port=0, training=settings, on_ready=lambda url: print(f"streamart ui: {url}", file=sys.stderr, flush=True))
except KeyboardInterrupt:
    pass
"""


@pytest.fixture
def training_server(tmp_path, own_models, content_dir):  # noqa: F811
    """The app in a process of its own, its New style tab training the lite network from random
    weights for 150 steps of 32 pixels (seconds, but long enough to watch it); its address."""
    settings = {
        "data": str(content_dir),
        "checkpoint_dir": str(tmp_path / "checkpoints"),
        "from_scratch": True,
        "variant": "lite",
        "iterations": 150,
        "image_size": 32,
        "batch_size": 1,
        "threads": 1,
        "device": "cpu",
    }
    with app_process(["-c", SERVE_TRAINING_TINY, json.dumps(settings)], tmp_path) as (address, _):
        yield address


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1280,1500",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def loaded(driver, selector: str) -> bool:
    """Whether the picture at ``selector`` is shown and has decoded."""
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]); return !!e && !e.hidden && e.complete && e.naturalWidth > 0;",
        selector,
    )


def write_cat(path: Path) -> Path:
    from skimage import data  # scikit-image's "chelsea" (public domain), a photo not in the gallery

    cv2.imwrite(str(path), data.chelsea()[..., ::-1])
    return path


def test_choose_a_style_stylize_a_photo_and_go_live(server, browser, own_models, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    make_dream_model(own_models / "dream_creatures.onnx", "creatures")  # a dream for the Live tab, not a style
    wait = WebDriverWait(browser, WAIT)
    browser.get(server)
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    cards = browser.find_elements(By.CSS_SELECTOR, ".card")
    names = [card.get_attribute("data-name") for card in cards]
    assert {"charcoal", "mosaic", "starry_night-cpu", "the_scream-cpu"} <= set(names)
    pictures = [f'.card[data-name="{name}"] img[alt^="a photo"]' for name in names]  # the samples
    # Thumbnails of the paintings: a user's model and a shipped one carry theirs.
    pictures += [f'.card[data-name="{name}"] img[alt^="the painting"]' for name in ("charcoal", "the_scream-cpu")]
    wait.until(lambda d: all(loaded(d, picture) for picture in pictures))
    # A picture enters its card once it has loaded: every painting's thumbnail does (mosaic has none).
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, 'img[alt^="the painting"]')) == len(names) - 1)
    assert "chosen" in browser.find_element(By.CSS_SELECTOR, '.card[data-name="starry_night-cpu"]').get_attribute(
        "class"
    )

    # Pick a style, then a photo: the result appears beside it, ready to download.
    browser.find_element(By.CSS_SELECTOR, '.card[data-name="the_scream-cpu"]').click()
    browser.find_element(By.ID, "photo-file").send_keys(str(write_cat(tmp_path / "chelsea.jpg")))
    wait.until(lambda d: loaded(d, "#photo-result"))
    assert loaded(browser, "#photo-original")
    link = browser.find_element(By.ID, "photo-download")
    assert link.is_displayed() and link.get_attribute("download") == "chelsea-the_scream.png"
    size = browser.execute_script(
        "const r = document.getElementById('photo-result'); return [r.naturalWidth, r.naturalHeight];"
    )
    assert size == [451, 300]  # the photo's own size
    browser.save_screenshot(str(tmp_path / "photo.png"))

    # The camera, live: stylized frames come back with their latency; a style click applies at once.
    browser.find_element(By.ID, "tab-live").click()
    browser.find_element(By.ID, "live-start").click()
    wait.until(
        lambda d: loaded(d, "#live-result") and d.find_element(By.ID, "live-stats").get_attribute("data-latency")
    )
    first = browser.find_element(By.ID, "live-result").get_attribute("src")
    browser.find_element(By.CSS_SELECTOR, '.card[data-name="shipwreck-cpu"]').click()
    wait.until(lambda d: d.find_element(By.ID, "live-result").get_attribute("src") != first)
    # A dream instead of the style, and a style click ends it.
    second = browser.find_element(By.ID, "live-result").get_attribute("src")
    Select(browser.find_element(By.ID, "live-dream")).select_by_value("creatures")
    wait.until(lambda d: d.find_element(By.ID, "live-result").get_attribute("src") != second)
    browser.find_element(By.CSS_SELECTOR, '.card[data-name="shipwreck-cpu"]').click()
    assert browser.find_element(By.ID, "live-dream").get_attribute("value") == ""
    # The stats line, once a few frames have given it an fps.
    pattern = r"latency \d+ ms · \d+\.\d fps · server \d+ ms( · skipped \d+)?"
    wait.until(lambda d: re.fullmatch(pattern, d.find_element(By.ID, "live-stats").text))
    assert browser.find_element(By.ID, "live-error").is_displayed() is False
    browser.save_screenshot(str(tmp_path / "live.png"))
    browser.find_element(By.ID, "live-stop").click()
    # Stopped: no frozen last frame, no latency that is no longer true.
    assert (
        not browser.find_element(By.ID, "live-result").is_displayed()
        and browser.find_element(By.ID, "live-stats").text == ""
    )
    assert browser.find_element(By.ID, "live-result").get_attribute("src") in (None, "")
    problems = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert problems == []

    # A video: a preview of a second, shown in the page with its download.
    browser.find_element(By.ID, "tab-video").click()
    clip = tmp_path / "walk.mp4"
    make_clip(clip, width=320, height=240, frames=30, fps=10)
    browser.find_element(By.ID, "video-file").send_keys(str(clip))
    wait.until(lambda d: d.find_element(By.ID, "video-preview").is_enabled())
    browser.find_element(By.ID, "video-duration").clear()  # an empty field: refused in the page's words
    browser.find_element(By.ID, "video-preview").click()
    refused = "Preview length must be a number more than 0 and at most 3600 s"
    wait.until(lambda d: d.find_element(By.ID, "video-error").text == refused)
    browser.find_element(By.ID, "video-duration").send_keys("1")
    browser.find_element(By.ID, "video-preview").click()
    wait.until(
        lambda d: d.execute_script(
            "const v = document.getElementById('video-result'); return !v.hidden && v.readyState >= 2;"
        )
    )
    assert browser.execute_script("return document.getElementById('video-result').duration") == pytest.approx(
        1, abs=0.15
    )
    assert browser.find_element(By.ID, "video-download").get_attribute("download") == "walk-shipwreck-preview.mp4"
    assert browser.find_element(By.ID, "video-download").text == "Download the preview (with its sound)"
    assert not browser.find_element(By.ID, "video-error").is_displayed()
    browser.save_screenshot(str(tmp_path / "video.png"))

    # A file that is neither a picture nor a video: one line in the page.
    browser.find_element(By.ID, "tab-photo").click()
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list")
    browser.find_element(By.ID, "photo-file").send_keys(str(notes))
    error = wait.until(
        lambda d: d.find_element(By.ID, "photo-error") if d.find_element(By.ID, "photo-error").is_displayed() else None
    )
    assert error.text.startswith("notes.txt is not an image or a video that streamart can read")
    browser.save_screenshot(str(tmp_path / "error.png"))


def write_painting(path: Path) -> Path:
    """A 'painting': bands of saturated colour under bold circles, 320 x 240."""
    y, x = np.mgrid[0:240, 0:320]
    palette = np.array([[40, 70, 200], [30, 170, 240], [160, 90, 40], [90, 40, 120]], np.uint8)  # BGR
    image = palette[((x // 2 + y) // 24 + (x // 40)) % 4].copy()
    for centre, radius, colour in (((90, 80), 45, (240, 230, 220)), ((230, 160), 60, (20, 30, 40))):
        cv2.circle(image, centre, radius, colour, 6)
    cv2.imwrite(str(path), image)
    return path


def test_train_a_new_style_from_a_painting(training_server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, WAIT)
    browser.get(training_server)
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    assert browser.find_elements(By.CSS_SELECTOR, '.card[data-name="sunset_waves"]') == []
    browser.find_element(By.ID, "tab-train").click()
    assert (
        browser.find_element(By.ID, "train").is_displayed() and not browser.find_element(By.ID, "photo").is_displayed()
    )
    assert not browser.find_element(By.ID, "train-run").is_enabled()  # nothing to learn from yet

    # A painting: the name comes from its file name, and nothing of the user's is in the way.
    browser.find_element(By.ID, "train-file").send_keys(str(write_painting(tmp_path / "Sunset Waves.png")))
    wait.until(lambda d: d.find_element(By.ID, "train-name").get_attribute("placeholder") == "sunset_waves")
    assert loaded(browser, "#train-painting") and browser.find_element(By.ID, "train-run").is_enabled()
    assert not browser.find_element(By.ID, "train-replace-choice").is_displayed()

    # Train: the steps count up with the time; the Train button waits.
    browser.find_element(By.ID, "train-run").click()
    progress = re.compile(r"step (\d+) of 150 · \d+:\d\d elapsed( · about \d+:\d\d left)?")
    wait.until(
        lambda d: (m := progress.fullmatch(d.find_element(By.ID, "train-progress-text").text)) and int(m[1]) >= 10
    )
    assert not browser.find_element(By.ID, "train-run").is_enabled()
    assert 0 < float(browser.find_element(By.ID, "train-progress").get_attribute("value")) < 1
    browser.save_screenshot(str(tmp_path / "train-running.png"))

    # Done: the new style is in the gallery, chosen, with its sample; training it again would replace it.
    note = wait.until(
        lambda d: d.find_element(By.ID, "train-note") if d.find_element(By.ID, "train-note").is_displayed() else None
    )
    assert (
        note.text
        == "Done: your style Sunset Waves is in the gallery above, chosen; use it in the Photo, Video and Live tabs."
    )
    card = browser.find_element(By.CSS_SELECTOR, '.card[data-name="sunset_waves"]')
    assert "chosen" in card.get_attribute("class") and "yours" in card.text
    wait.until(
        lambda d: loaded(d, "#train-sample") and loaded(d, '.card[data-name="sunset_waves"] img[alt^="a photo"]')
    )
    assert browser.find_element(By.ID, "train-download").get_attribute("download") == "sunset_waves.onnx"
    assert not browser.find_element(By.ID, "train-status").is_displayed()
    replace = wait.until(
        lambda d: (
            d.find_element(By.ID, "train-replace-choice")
            if d.find_element(By.ID, "train-replace-choice").is_displayed()
            else None
        )
    )
    assert replace.text == "Replace my existing style sunset_waves"
    assert (
        browser.find_element(By.ID, "train-run").is_enabled()
        and not browser.find_element(By.ID, "train-error").is_displayed()
    )
    browser.save_screenshot(str(tmp_path / "train-done.png"))

    # Again, replacing it, but cancelled: training stops after its step and the page says so.
    browser.find_element(By.ID, "train-replace").click()
    browser.find_element(By.ID, "train-run").click()
    wait.until(
        lambda d: (m := progress.fullmatch(d.find_element(By.ID, "train-progress-text").text)) and int(m[1]) >= 5
    )
    browser.find_element(By.ID, "train-cancel").click()
    note = wait.until(
        lambda d: d.find_element(By.ID, "train-note") if d.find_element(By.ID, "train-note").is_displayed() else None
    )
    assert re.fullmatch(
        r"Training cancelled after \d+ of 150 steps; no new style was added\. Train starts it again from the beginning\.",
        note.text,
    ), note.text
    assert (
        not browser.find_element(By.ID, "train-status").is_displayed()
        and browser.find_element(By.ID, "train-run").is_enabled()
    )
    assert browser.find_elements(By.CSS_SELECTOR, '.card[data-name="sunset_waves"]')  # the first one stays
    browser.save_screenshot(str(tmp_path / "train-cancelled.png"))
    problems = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert problems == []


def set_viewport(browser, width: int, height: int) -> None:
    """The page's viewport exactly ``width`` x ``height`` CSS pixels (a window's size would
    include its frame)."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


#: The visible labels and buttons cut by the window's edge or by their own box, as their texts.
CUT_CONTROLS = """
const width = document.documentElement.clientWidth;
return [...document.querySelectorAll("label, button, legend, .tabs button")].filter((e) => {
  const r = e.getBoundingClientRect();
  return r.width > 0 && (r.left < 0 || r.right > width || e.scrollWidth > e.clientWidth + 1);
}).map((e) => e.textContent.trim());
"""


def no_sideways_scroll(browser) -> bool:
    return browser.execute_script("const e = document.scrollingElement; return e.scrollWidth <= e.clientWidth;")


def samples_render_behind_placeholders(driver) -> bool:
    """True once every card shows its pictures; asserts on the way that no card ever shows a
    picture that has not loaded (its alt text over an empty box)."""
    unloaded = driver.execute_script(
        "return [...document.querySelectorAll('.card img')].filter((i) => !(i.complete && i.naturalWidth > 0)).map((i) => i.alt);"
    )
    assert unloaded == []
    return driver.execute_script(
        "return document.querySelectorAll('.card').length > 0 && !document.querySelector('.card .placeholder');"
    )


def test_the_page_fits_short_narrow_and_wide_windows(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, WAIT, poll_frequency=0.1)
    set_viewport(browser, 1400, 1000)
    browser.get(server)
    # A cold start: the samples are made now, and the cards wait for them behind placeholders.
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    wait.until(samples_render_behind_placeholders)
    # The tabs are in view without scrolling, under the gallery.
    tabs = browser.find_elements(By.CSS_SELECTOR, '[role="tab"]')
    assert [tab.text for tab in tabs] == ["Photo", "Video", "Live", "New style"]
    assert all(0 < tab.rect["y"] and tab.rect["y"] + tab.rect["height"] <= 1000 for tab in tabs), [
        tab.rect for tab in tabs
    ]
    # The model's variant ("cpu" on every shipped card) tells no card apart, so no card shows it.
    assert all("cpu" not in card.text for card in browser.find_elements(By.CSS_SELECTOR, ".card"))
    browser.save_screenshot(str(tmp_path / "page-1400x1000.png"))

    # Wide: the content is centred, with a width of its own.
    set_viewport(browser, 1920, 1080)
    main = browser.find_element(By.TAG_NAME, "main").rect
    left, right = main["x"], 1920 - main["x"] - main["width"]
    assert left > 100 and abs(left - right) <= 1, (left, right)
    browser.save_screenshot(str(tmp_path / "page-1920.png"))

    # Narrow: nothing scrolls sideways and every label is whole, in every tab and method.
    set_viewport(browser, 420, 900)
    views = [
        ("tab-photo", None),
        ("tab-photo", "gatys"),
        ("tab-photo", "dream"),
        ("tab-video", None),
        ("tab-live", None),
        ("tab-train", None),
    ]
    for tab, method in views:
        browser.find_element(By.ID, tab).click()
        if method:
            browser.find_element(By.CSS_SELECTOR, f'input[name="method"][value="{method}"]').click()
        assert no_sideways_scroll(browser), (tab, method)
        assert browser.execute_script(CUT_CONTROLS) == [], (tab, method)
        if tab == "tab-photo":
            methods = browser.find_elements(By.CSS_SELECTOR, "fieldset.method label")
            assert [label.text for label in methods] == ["Style (fast)", "Gatys (any painting, minutes)", "DeepDream"]
        browser.save_screenshot(str(tmp_path / f"page-420-{tab}{'-' + method if method else ''}.png"))


def test_a_name_the_server_refuses_disables_train_and_says_why(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, WAIT)
    browser.get(server)
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    browser.find_element(By.ID, "tab-train").click()
    hint = browser.find_element(By.CSS_SELECTOR, "#train .hint").text
    assert "one picture" in hint and "not a video" in hint  # what the tab accepts
    browser.find_element(By.ID, "train-file").send_keys(str(write_painting(tmp_path / "Sunset Waves.png")))
    wait.until(lambda d: d.find_element(By.ID, "train-run").is_enabled())
    browser.find_element(By.ID, "train-name").send_keys("Starry Night")  # a shipped style's name
    error = "'starry_night' is the name of a style that comes with streamart; choose another name"
    wait.until(lambda d: d.find_element(By.ID, "train-error").text == error)
    assert not browser.find_element(By.ID, "train-run").is_enabled()
    browser.save_screenshot(str(tmp_path / "train-refused-name.png"))
    browser.find_element(By.ID, "train-name").send_keys(" at dawn")
    wait.until(lambda d: d.find_element(By.ID, "train-run").is_enabled())
    assert not browser.find_element(By.ID, "train-error").is_displayed()


def test_when_the_app_stops_during_a_job_the_page_says_how_to_start_it_again(tmp_path, own_models, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    wait = WebDriverWait(browser, WAIT)
    with app_process(["-m", "streamart", "ui", "--no-browser", "--port", "0"], tmp_path) as (address, process):
        browser.get(address)
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
        browser.find_element(By.CSS_SELECTOR, 'input[name="method"][value="dream"]').click()
        Select(browser.find_element(By.ID, "dream-size")).select_by_value("1024")  # a DeepDream of many steps
        browser.find_element(By.ID, "photo-file").send_keys(str(write_cat(tmp_path / "chelsea.jpg")))
        wait.until(lambda d: d.find_element(By.ID, "photo-original").is_displayed())
        browser.find_element(By.ID, "photo-run").click()
        wait.until(lambda d: re.fullmatch(r"\d+ of \d+ steps.*", d.find_element(By.ID, "photo-progress-text").text))
        process.send_signal(signal.SIGINT)  # as Ctrl-C in its terminal, while the job runs
        assert process.wait(30) == 0
        error = wait.until(
            lambda d: (
                d.find_element(By.ID, "photo-error") if d.find_element(By.ID, "photo-error").is_displayed() else None
            )
        )
        assert error.text == (
            "streamart ui has stopped (was its terminal closed, or Ctrl-C pressed?): start it again "
            "with 'streamart ui', then reload this page"
        )
        assert "Failed to fetch" not in browser.find_element(By.TAG_NAME, "body").text
        browser.save_screenshot(str(tmp_path / "stopped.png"))
