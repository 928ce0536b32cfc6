"""The page in a real browser: Debian's chromium, headless, driven by selenium through Debian's
chromedriver, against ``streamart ui`` started as a person would start it. A fake camera
(chromium's own test pattern) stands in for the webcam. Screenshots go to the test's tmp_path.

Skipped, saying why, where chromium or chromedriver is missing; .ci/run installs both.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest
from media_factory import make_clip

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


@pytest.fixture
def server(tmp_path, own_models):  # noqa: F811
    """``streamart ui --no-browser --port 0`` in a process of its own; its address."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamart", "ui", "--no-browser", "--port", "0"],
        stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )
    line = process.stderr.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+", line)
    assert match, f"no address in {line!r}"
    yield match.group(0)
    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 0
    assert "streamart ui stopped" in process.stderr.read()


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=1280,1500",
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
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


def test_choose_a_style_stylize_a_photo_and_go_live(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, WAIT)
    browser.get(server)
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    cards = browser.find_elements(By.CSS_SELECTOR, ".card")
    names = [card.get_attribute("data-name") for card in cards]
    assert {"charcoal", "mosaic", "starry_night-lite", "the_scream-lite"} <= set(names)
    pictures = [f'.card[data-name="{name}"] img[alt^="a photo"]' for name in names]  # the samples
    pictures.append('.card[data-name="charcoal"] img[alt^="the painting"]')  # a thumbnail of the painting
    wait.until(lambda d: all(loaded(d, picture) for picture in pictures))
    assert len(browser.find_elements(By.CSS_SELECTOR, 'img[alt^="the painting"]')) == 1  # mosaic has none
    assert "chosen" in browser.find_element(By.CSS_SELECTOR, '.card[data-name="starry_night-lite"]').get_attribute("class")

    # Pick a style, then a photo: the result appears beside it, ready to download.
    browser.find_element(By.CSS_SELECTOR, '.card[data-name="the_scream-lite"]').click()
    browser.find_element(By.ID, "photo-file").send_keys(str(write_cat(tmp_path / "chelsea.jpg")))
    wait.until(lambda d: loaded(d, "#photo-result"))
    assert loaded(browser, "#photo-original")
    link = browser.find_element(By.ID, "photo-download")
    assert link.is_displayed() and link.get_attribute("download") == "chelsea-the_scream.png"
    size = browser.execute_script("const r = document.getElementById('photo-result'); return [r.naturalWidth, r.naturalHeight];")
    assert size == [451, 300]  # the photo's own size
    browser.save_screenshot(str(tmp_path / "photo.png"))

    # The camera, live: stylized frames come back with their latency; a style click applies at once.
    browser.find_element(By.ID, "tab-live").click()
    browser.find_element(By.ID, "live-start").click()
    wait.until(lambda d: loaded(d, "#live-result") and d.find_element(By.ID, "live-stats").get_attribute("data-latency"))
    first = browser.find_element(By.ID, "live-result").get_attribute("src")
    browser.find_element(By.CSS_SELECTOR, '.card[data-name="shipwreck-lite"]').click()
    wait.until(lambda d: d.find_element(By.ID, "live-result").get_attribute("src") != first)
    time.sleep(2)  # a few more frames, for the fps
    stats = browser.find_element(By.ID, "live-stats").text
    assert re.fullmatch(r"latency \d+ ms · \d+\.\d fps · server \d+ ms( · skipped \d+)?", stats), stats
    assert browser.find_element(By.ID, "live-error").is_displayed() is False
    browser.save_screenshot(str(tmp_path / "live.png"))
    browser.find_element(By.ID, "live-stop").click()
    problems = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert problems == []

    # A video: a preview of a second, shown in the page with its download.
    browser.find_element(By.ID, "tab-video").click()
    clip = tmp_path / "walk.mp4"
    make_clip(clip, width=320, height=240, frames=30, fps=10)
    browser.find_element(By.ID, "video-file").send_keys(str(clip))
    wait.until(lambda d: d.find_element(By.ID, "video-preview").is_enabled())
    browser.find_element(By.ID, "video-duration").clear()
    browser.find_element(By.ID, "video-duration").send_keys("1")
    browser.find_element(By.ID, "video-preview").click()
    wait.until(lambda d: d.execute_script("const v = document.getElementById('video-result'); return !v.hidden && v.readyState >= 2;"))
    assert browser.execute_script("return document.getElementById('video-result').duration") == pytest.approx(1, abs=0.15)
    assert browser.find_element(By.ID, "video-download").get_attribute("download") == "walk-shipwreck-preview.mp4"
    browser.save_screenshot(str(tmp_path / "video.png"))

    # A file that is neither a picture nor a video: one line in the page.
    browser.find_element(By.ID, "tab-photo").click()
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list")
    browser.find_element(By.ID, "photo-file").send_keys(str(notes))
    error = wait.until(lambda d: d.find_element(By.ID, "photo-error") if d.find_element(By.ID, "photo-error").is_displayed() else None)
    assert error.text.startswith("notes.txt is not an image or a video that streamart can read")
    browser.save_screenshot(str(tmp_path / "error.png"))
