// streamart's page: plain JavaScript, no build step, nothing fetched from elsewhere.
// It talks to the server's JSON API (streamart/web/app.py) and, for the live view, a WebSocket
// (streamart/web/live.py).
"use strict";

const $ = (id) => document.getElementById(id);
const state = { info: null, style: null, styles: [], photo: null, photoStyle: null, painting: null, video: null, trainPainting: null };
const WORKING_SIZES = [240, 360, 480, 720, 1080];

// ---------------------------------------------------------------- helpers

// What the page says when the server does not answer at all (the browser's own words are a bare
// "Failed to fetch"): the app was stopped, or its terminal closed.
const STOPPED = "streamart ui has stopped (was its terminal closed, or Ctrl-C pressed?): start it again with " +
  "'streamart ui', then reload this page";

async function api(path, options = {}) {
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    throw new Error(STOPPED);  // fetch rejects only when no answer came; a refusal is an answer
  }
  let body = null;
  try { body = await response.json(); } catch (e) { /* not JSON */ }
  if (!response.ok) {
    const error = new Error((body && (body.error || body.detail)) || `${response.status} ${response.statusText}`);
    error.status = response.status;
    error.body = body;
    throw error;
  }
  return body;
}

function postJSON(path, data) {
  return api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) });
}

function showError(id, message) {
  const element = $(id);
  element.textContent = message || "";
  element.hidden = !message;
}

// A picture is shown once it has loaded: until then its alt text would spill over an empty box.
function showWhenLoaded(image, src) {
  image.hidden = true;
  image.addEventListener("load", () => { image.hidden = false; }, { once: true });
  image.src = src;
}

function megabytes(bytes) { return `${(bytes / 1e6).toFixed(bytes >= 1e7 ? 0 : 1)} MB`; }

function clock(seconds) {
  seconds = Math.max(0, Math.round(seconds));
  const h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
  return (h ? `${h}:${String(m).padStart(2, "0")}` : `${m}`) + `:${String(s).padStart(2, "0")}`;
}

function fillSizes(select, sizes, chosen, fullLabel) {
  select.replaceChildren();
  for (const size of sizes) select.add(new Option(`${size} px`, String(size), false, size === chosen));
  select.add(new Option(fullLabel, "full", false, chosen === null));
}

const sizeOf = (select) => (select.value === "full" ? null : Number(select.value));

function bindOutput(input) {
  const output = document.querySelector(`output[for="${input.id}"]`);
  const show = () => { output.textContent = Number(input.value).toFixed(2); };
  input.addEventListener("input", show);
  show();
}

// Uploads go as the raw body, with progress (videos can be large); the server answers with the
// upload's id and what it is (image or video), or a one-line error.
function upload(file, onProgress) {
  return new Promise((resolve, reject) => {
    if (file.size > state.info.max_upload_bytes) {
      reject(new Error(`${file.name} is ${megabytes(file.size)}, over this app's upload limit of ` +
        `${megabytes(state.info.max_upload_bytes)}; choose a smaller file, or start the app with a higher 'streamart ui --max-upload'`));
      return;
    }
    const request = new XMLHttpRequest();
    request.open("POST", `/api/uploads?name=${encodeURIComponent(file.name)}`);
    request.responseType = "json";
    request.upload.onprogress = (event) => { if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total); };
    request.onload = () => {
      if (request.status === 200) resolve(request.response);
      else reject(new Error((request.response && request.response.error) || `upload failed (${request.status})`));
    };
    request.onerror = () => reject(new Error(STOPPED));
    request.send(file);
  });
}

// A job panel: one job at a time per panel; a newer request cancels the panel's earlier one.
// ``hooks``: onStart(status) once the server took the job, onRefused(error) when it did not,
// onCancelled(status) when the panel sees the job end cancelled.
class JobView {
  constructor(prefix) {
    this.prefix = prefix;
    this.job = null;
    $(`${prefix}-cancel`).addEventListener("click", () => this.cancel());
  }

  status(text, fraction) {
    $(`${this.prefix}-status`).hidden = text === null;
    const bar = $(`${this.prefix}-progress`);
    if (fraction === null || fraction === undefined) bar.removeAttribute("value"); else bar.value = fraction;
    $(`${this.prefix}-progress-text`).textContent = text || "";
  }

  async cancel() {
    const job = this.job;
    this.job = null;
    if (job) await api(`/api/jobs/${job}`, { method: "DELETE" }).catch(() => {});
    this.status(null);
  }

  async run(path, request, onDone, hooks = {}) {
    showError(`${this.prefix}-error`, "");
    if (this.job) await this.cancel();
    let status;
    try {
      status = await postJSON(path, request);
    } catch (error) {
      showError(`${this.prefix}-error`, error.message);
      if (hooks.onRefused) hooks.onRefused(error);
      return;
    }
    const id = status.id;
    this.job = id;
    if (hooks.onStart) hooks.onStart(status);
    while (this.job === id) {
      this.show(status);
      if (status.state === "done") { this.job = null; this.status(null); await onDone(status); return; }
      if (status.state === "failed") { this.job = null; this.status(null); showError(`${this.prefix}-error`, status.error); return; }
      if (status.state === "cancelled") { this.job = null; this.status(null); if (hooks.onCancelled) hooks.onCancelled(status); return; }
      await new Promise((resolve) => setTimeout(resolve, 400));
      try { status = await api(`/api/jobs/${id}`); } catch (error) {
        this.job = null; this.status(null); showError(`${this.prefix}-error`, error.message); return;
      }
    }
  }

  show(status) {
    if (status.state === "queued") {
      this.status(status.ahead > 1 ? `queued: ${status.ahead} jobs ahead` : "queued: waiting for the job ahead", null);
      return;
    }
    let text = "working";
    if (status.total) text = `${status.done} of ${status.total} ${status.unit}`;
    if (status.seconds_left !== null) text += ` · about ${clock(status.seconds_left)} left`;
    this.status(text, status.fraction);
  }
}

// A training job stops at the end of its current step (keeping its checkpoint): after Cancel
// the panel keeps watching until the server says it stopped, so that it can say where.
class TrainingView extends JobView {
  async run(...args) {
    this.stopping = false;
    $(`${this.prefix}-cancel`).disabled = false;
    return super.run(...args);
  }

  async cancel() {
    if (!this.job) return;
    this.stopping = true;
    $(`${this.prefix}-cancel`).disabled = true;
    this.status("stopping after this step", null);
    await api(`/api/jobs/${this.job}`, { method: "DELETE" }).catch(() => {});
  }

  show(status) {
    if (status.state === "queued") { super.show(status); return; }
    const parts = [this.stopping ? "stopping after this step" : status.done ? `step ${status.done} of ${status.total}` : "getting ready"];
    if (status.elapsed !== null) parts.push(`${clock(status.elapsed)} elapsed`);
    if (status.seconds_left !== null && !this.stopping) parts.push(`about ${clock(status.seconds_left)} left`);
    // An open-ended bar while the networks and photos load: there is no step to count yet.
    this.status(parts.join(" · "), status.done ? status.fraction : null);
  }
}

function dropZone(zone, input, onFile) {
  input.addEventListener("change", () => { if (input.files.length) onFile(input.files[0]); input.value = ""; });
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer.files.length) onFile(event.dataTransfer.files[0]);
  });
}

// ---------------------------------------------------------------- gallery

// Also after a new style is trained: the chosen style stays chosen.
async function loadGallery() {
  state.styles = await api("/api/styles");
  const cards = $("cards");
  cards.replaceChildren();
  for (const style of state.styles) {
    const card = document.createElement("button");
    card.className = "card";
    card.dataset.name = style.name;
    card.setAttribute("role", "option");
    const pictures = document.createElement("div");
    pictures.className = "pictures";
    // Grey placeholders while the server renders the samples (seconds on a cold start).
    const painting = style.thumbnail ? placeholder()
      : Object.assign(document.createElement("div"), { className: "no-painting", textContent: "painting not in this model" });
    const sample = placeholder();
    pictures.append(painting, sample);
    const title = Object.assign(document.createElement("span"), { className: "title", textContent: style.title });
    // The variant (the network the model was made for) tells two cards of one style apart; alone it says nothing.
    const twin = state.styles.some((other) => other !== style && other.style === style.style);
    const variant = twin && style.variant ? `${style.variant} model` : null;
    const badges = [variant, style.own ? "yours" : null, style.default ? "default" : null].filter(Boolean);
    const details = Object.assign(document.createElement("span"), { className: "badges", textContent: badges.join(" · ") });
    card.append(pictures, title, details);
    card.addEventListener("click", () => chooseStyle(style.name));
    cards.append(card);
    if (style.thumbnail) replacePlaceholder(painting, style.thumbnail, `the painting behind ${style.title}`, card);
    loadSample(style, sample, card);
  }
  const first = state.styles.find((style) => style.name === state.style) || state.styles.find((style) => style.default) || state.styles[0];
  if (first) chooseStyle(first.name, { quiet: true });
  else showError("gallery-error", "no style models found: see 'streamart models'");
}

function placeholder() {
  return Object.assign(document.createElement("div"), { className: "placeholder", ariaBusy: "true" });
}

function brokenPicture(box, message, card) {
  box.replaceWith(Object.assign(document.createElement("div"), { className: "no-painting broken", textContent: message }));
  card.title = message;
}

// The picture takes the placeholder's place once it has loaded.
function replacePlaceholder(box, src, alt, card) {
  const image = Object.assign(new Image(), { alt });
  image.addEventListener("load", () => box.replaceWith(image), { once: true });
  image.addEventListener("error", () => brokenPicture(box, "this picture could not be shown", card), { once: true });
  image.src = src;
}

async function loadSample(style, box, card) {
  try {
    const response = await fetch(style.sample).catch(() => { throw new Error(STOPPED); });
    if (!response.ok) throw new Error((await response.json()).error);
    replacePlaceholder(box, URL.createObjectURL(await response.blob()), `a photo in the style ${style.title}`, card);
  } catch (error) {
    brokenPicture(box, error.message, card);
  }
}

function chooseStyle(name, { quiet = false } = {}) {
  state.style = name;
  for (const card of document.querySelectorAll(".card")) {
    const chosen = card.dataset.name === name;
    card.classList.toggle("chosen", chosen);
    card.setAttribute("aria-selected", String(chosen));
  }
  if (quiet) return;
  $("live-dream").value = "";  // a style clicked is the style shown: it ends a dream
  live.settings({ style: name, dream: null });
  photoFollowsStyle();
}

// A fast-style photo follows the chosen style, while the Photo tab is open (else when it opens).
function photoFollowsStyle() {
  if (state.photo && photoMethod() === "fast" && !$("photo").hidden && state.photoStyle !== state.style) runPhoto();
}

// ---------------------------------------------------------------- photo

const photoJobs = new JobView("photo");
const photoMethod = () => document.querySelector('input[name="method"]:checked').value;

async function choosePhoto(file) {
  showError("photo-error", "");
  photoJobs.status("uploading", 0);
  try {
    const received = await upload(file, (fraction) => photoJobs.status("uploading", fraction));
    photoJobs.status(null);
    if (received.kind !== "image") throw new Error(`${received.name} is a video: use the Video tab`);
    state.photo = received;
    const original = $("photo-original");
    original.src = URL.createObjectURL(file);
    original.hidden = false;
    $("photo-result").hidden = true;
    $("photo-download").hidden = true;
    if (photoMethod() === "fast") runPhoto();
  } catch (error) {
    photoJobs.status(null);
    showError("photo-error", error.message);
  }
}

async function choosePainting(file) {
  showError("photo-error", "");
  try {
    const received = await upload(file);
    if (received.kind !== "image") throw new Error(`${received.name} is a video; the style picture must be an image`);
    state.painting = received;
    $("painting-name").textContent = `Style picture: ${received.name}. Another?`;
  } catch (error) {
    showError("photo-error", error.message);
  }
}

function runPhoto() {
  if (!state.photo) { showError("photo-error", "first drop or choose a photo"); return; }
  const method = photoMethod();
  let path, request;
  if (method === "fast") {
    path = "/api/jobs/photo";
    state.photoStyle = state.style;
    request = { upload: state.photo.id, style: state.style, strength: Number($("photo-strength").value),
      preserve_color: $("photo-preserve").checked, size: sizeOf($("photo-size")) };
  } else if (method === "gatys") {
    if (!state.painting) { showError("photo-error", "Gatys paints the photo like a picture of your choice: add a style picture"); return; }
    path = "/api/jobs/gatys";
    request = { upload: state.photo.id, painting: state.painting.id, iterations: Number($("gatys-iterations").value),
      size: sizeOf($("gatys-size")), preserve_color: $("gatys-preserve").checked };
  } else {
    path = "/api/jobs/dream";
    request = { upload: state.photo.id, preset: $("dream-preset").value, long_side: sizeOf($("dream-size")) };
  }
  photoJobs.run(path, request, (status) => {
    showWhenLoaded($("photo-result"), `${status.result}?t=${Date.now()}`);
    const link = $("photo-download");
    link.href = `${status.result}?download=1`;
    link.download = status.download_name;
    link.hidden = false;
  });
}

// ---------------------------------------------------------------- video

const videoJobs = new JobView("video");

async function chooseVideo(file) {
  showError("video-error", "");
  $("video-preview").disabled = $("video-run").disabled = true;
  try {
    const received = await upload(file, (fraction) => videoJobs.status(`uploading ${megabytes(file.size)}`, fraction));
    videoJobs.status(null);
    if (received.kind !== "video") throw new Error(`${received.name} is a picture: use the Photo tab`);
    state.video = received;
    const original = $("video-original");
    original.src = URL.createObjectURL(file);
    original.hidden = false;
    $("video-result").hidden = true;
    $("video-download").hidden = true;
    $("video-preview").disabled = $("video-run").disabled = false;
  } catch (error) {
    videoJobs.status(null);
    showError("video-error", error.message);
  }
}

function runVideo(preview) {
  if (!state.video) return;
  const request = { upload: state.video.id, style: state.style, strength: Number($("video-strength").value),
    preserve_color: $("video-preserve").checked, size: sizeOf($("video-size")), temporal: Number($("video-temporal").value) };
  if (preview) { request.start = Number($("video-start").value); request.duration = Number($("video-duration").value); }
  videoJobs.run("/api/jobs/video", request, (status) => {
    const result = $("video-result");
    result.src = `${status.result}?t=${Date.now()}`;
    result.hidden = false;
    const link = $("video-download");
    link.href = `${status.result}?download=1`;
    link.download = status.download_name;
    // The server says whether the result has a sound track: a silent video's has none.
    link.textContent = (preview ? "Download the preview" : "Download") + (status.audio ? " (with its sound)" : "");
    link.hidden = false;
  });
}

// ---------------------------------------------------------------- new style

const trainJobs = new TrainingView("train");
const showNote = (message) => showError("train-note", message);  // the same one line, a calmer look
let nameChecks = 0;

async function choosePaintingToTrain(file) {
  showError("train-error", "");
  showNote("");
  trainJobs.status("uploading", 0);
  try {
    const received = await upload(file, (fraction) => trainJobs.status("uploading", fraction));
    trainJobs.status(null);
    if (received.kind !== "image") throw new Error(`${received.name} is a video; a style is learnt from a picture`);
    state.trainPainting = received;
    const painting = $("train-painting");
    painting.src = URL.createObjectURL(file);
    painting.hidden = false;
    $("train-sample").hidden = true;
    $("train-download").hidden = true;
    await checkTrainName();
  } catch (error) {
    trainJobs.status(null);
    showError("train-error", error.message);
  }
}

// The server names the style (as 'streamart train' would) and says whether it would replace one
// of the user's own: then the page asks, with a checkbox, instead of replacing it unasked. A name
// it refuses (a shipped style's, one being trained) disables Train, the reason shown.
async function checkTrainName() {
  if (!state.trainPainting) return;
  const check = ++nameChecks;
  const query = new URLSearchParams({ upload: state.trainPainting.id, name: $("train-name").value });
  try {
    const answer = await api(`/api/train/name?${query}`);
    if (check !== nameChecks) return;  // a later check (the name typed on) decides
    $("train-name").placeholder = answer.name;
    offerReplace(answer.replaces ? answer.name : null);
    showError("train-error", "");
    $("train-run").disabled = trainJobs.job !== null;
  } catch (error) {
    if (check !== nameChecks) return;
    offerReplace(null);
    showError("train-error", error.message);
    $("train-run").disabled = true;
  }
}

function offerReplace(name) {
  const choice = $("train-replace-choice");
  if (choice.dataset.name !== name) $("train-replace").checked = false;  // asked again for another style
  choice.dataset.name = name || "";
  choice.hidden = !name;
  $("train-replace-text").textContent = `Replace my existing style ${name || ""}`;
}

async function runTraining() {
  if (!state.trainPainting) { showError("train-error", "first drop or choose a picture to learn the style from"); return; }
  showNote("");
  $("train-run").disabled = true;
  $("train-sample").hidden = true;
  $("train-download").hidden = true;
  const request = { upload: state.trainPainting.id, name: $("train-name").value.trim() || null, overwrite: $("train-replace").checked };
  let name = null;
  try {
    await trainJobs.run("/api/jobs/train", request, (status) => trained(name, status), {
      onStart: (status) => { name = status.style; },
      onRefused: (error) => { if (error.status === 409 && error.body) offerReplace(error.body.style); },
      onCancelled: (status) => showNote(`Training cancelled ${status.done ? `after ${status.done} of ${status.total} steps` : "before its first step"}; ` +
        "no new style was added. Train starts it again from the beginning."),
    });
  } catch (error) {
    showError("train-error", error.message);
  } finally {
    $("train-run").disabled = false;
  }
}

// The new model is in the user's model folder, where the gallery finds it: show it and choose it.
async function trained(name, status) {
  await loadGallery();
  const style = state.styles.find((entry) => entry.name === name);
  if (!style) throw new Error(`the new style ${name} is not in the gallery; reload the page`);
  chooseStyle(name);
  showWhenLoaded($("train-sample"), style.sample);
  const link = $("train-download");
  link.href = `${status.result}?download=1`;
  link.download = status.download_name;
  link.hidden = false;
  const title = style.title.replace(/(^|\s)\S/g, (letter) => letter.toUpperCase());  // as its card shows it
  showNote(`Done: your style ${title} is in the gallery above, chosen; use it in the Photo, Video and Live tabs.`);
  await checkTrainName();  // training again now replaces it: the page asks first
}

// ---------------------------------------------------------------- live

// The camera's frames go to the server as JPEG over a WebSocket, one at a time: the next frame
// is sent when the previous result is back, so nothing queues up and the latency stays low.
const live = {
  socket: null, stream: null, canvas: document.createElement("canvas"),
  inFlight: false, sentAt: 0, arrivals: [], serverMs: null, dropped: 0, latency: null,

  async start() {
    showError("live-error", "");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      showError("live-error", "this browser gives no camera to this page: open it as http://127.0.0.1 or http://localhost on the computer running streamart ui (browsers allow cameras only there or over https)");
      return;
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
    } catch (error) {
      showError("live-error", `no camera: ${error.message || error.name}`);
      return;
    }
    const camera = $("live-camera");
    camera.srcObject = this.stream;
    camera.hidden = false;
    await camera.play();
    $("live-start").disabled = true;
    $("live-stop").disabled = false;
    const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/live`);
    socket.binaryType = "blob";
    this.socket = socket;
    socket.onopen = () => {
      this.settings({ style: state.style, strength: Number($("live-strength").value), temporal: $("live-temporal").checked, dream: $("live-dream").value || null });
      this.send();
    };
    socket.onmessage = (event) => { if (this.socket === socket) this.receive(event); };  // none after Stop
    // The server closes the socket only when it stops.
    socket.onclose = () => { if (this.socket === socket) { this.stop(); showError("live-error", STOPPED); } };
    this.watchdog = setInterval(() => {
      if (this.inFlight && performance.now() - this.sentAt > 3000) { this.inFlight = false; this.send(); }
    }, 1000);
  },

  stop() {
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close();
    clearInterval(this.watchdog);
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.inFlight = false;
    // Nothing of the stopped session stays: no frozen last frame, no latency that is no longer true.
    const camera = $("live-camera");
    camera.srcObject = null;
    camera.hidden = true;
    const result = $("live-result");
    if (result.src.startsWith("blob:")) URL.revokeObjectURL(result.src);
    result.removeAttribute("src");
    result.hidden = true;
    $("live-stats").textContent = "";
    delete $("live-stats").dataset.latency;
    Object.assign(this, { arrivals: [], serverMs: null, dropped: 0, latency: null });
    $("live-start").disabled = false;
    $("live-stop").disabled = true;
  },

  settings(values) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(values));
  },

  send() {
    const camera = $("live-camera");
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN || this.inFlight || !camera.videoWidth) {
      if (this.socket && !this.inFlight) setTimeout(() => this.send(), 50);  // the camera is warming up
      return;
    }
    const scale = Math.min(1, 640 / camera.videoWidth);
    this.canvas.width = Math.round(camera.videoWidth * scale);
    this.canvas.height = Math.round(camera.videoHeight * scale);
    this.canvas.getContext("2d").drawImage(camera, 0, 0, this.canvas.width, this.canvas.height);
    this.inFlight = true;
    this.canvas.toBlob((blob) => {
      if (!this.socket || this.socket.readyState !== WebSocket.OPEN) { this.inFlight = false; return; }
      this.sentAt = performance.now();
      this.socket.send(blob);
    }, "image/jpeg", 0.8);
  },

  receive(event) {
    if (typeof event.data === "string") {
      const message = JSON.parse(event.data);
      if (message.error) { showError("live-error", message.error); this.inFlight = false; this.send(); }
      else { this.serverMs = message.ms; this.dropped = message.dropped; }
      return;
    }
    const now = performance.now();
    this.latency = now - this.sentAt;
    this.arrivals.push(now);
    while (this.arrivals.length && now - this.arrivals[0] > 2000) this.arrivals.shift();
    const result = $("live-result");
    const previous = result.src;
    result.src = URL.createObjectURL(event.data);
    result.hidden = false;
    if (previous.startsWith("blob:")) URL.revokeObjectURL(previous);
    const span = this.arrivals.length > 1 ? (now - this.arrivals[0]) / 1000 : 0;
    const fps = span > 0 ? (this.arrivals.length - 1) / span : 0;
    $("live-stats").textContent = `latency ${Math.round(this.latency)} ms · ${fps.toFixed(1)} fps` +
      (this.serverMs !== null ? ` · server ${this.serverMs} ms` : "") + (this.dropped ? ` · skipped ${this.dropped}` : "");
    $("live-stats").dataset.latency = String(Math.round(this.latency));
    this.inFlight = false;
    this.send();
  },
};

// ---------------------------------------------------------------- start

function showTab(name) {
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    const chosen = tab.dataset.panel === name;
    tab.setAttribute("aria-selected", String(chosen));
    if (tab.dataset.panel) $(tab.dataset.panel).hidden = !chosen;
  }
  if (name === "photo") photoFollowsStyle();
}

async function start() {
  try {
    state.info = await api("/api/info");
  } catch (error) {
    showError("gallery-error", `the server does not answer: ${error.message}`);
    return;
  }
  const info = state.info;
  fillSizes($("photo-size"), WORKING_SIZES, info.working_size, "full size");
  fillSizes($("video-size"), WORKING_SIZES, info.working_size, "full size");
  fillSizes($("gatys-size"), [128, 256, 384, 512], info.gatys_size, "full size (slow)");
  fillSizes($("dream-size"), [256, 384, 512, 768, 1024], info.dream_long_side, "full size (slow)");
  if (info.training_unavailable) {
    showError("train-unavailable", info.training_unavailable);
    $("train-file").disabled = true;
    $("train-name").disabled = true;
  }
  $("gatys-iterations").value = info.gatys_iterations;
  $("video-temporal").value = info.temporal;
  for (const name of info.dream_presets) $("dream-preset").add(new Option(name, name, false, name === info.dream_preset));
  for (const name of info.live_dreams) $("live-dream").add(new Option(name, name));
  for (const input of document.querySelectorAll('input[type="range"]')) bindOutput(input);

  for (const tab of document.querySelectorAll('[role="tab"][data-panel]')) tab.addEventListener("click", () => showTab(tab.dataset.panel));
  for (const radio of document.querySelectorAll('input[name="method"]')) {
    radio.addEventListener("change", () => {
      for (const options of document.querySelectorAll("#photo .options")) options.hidden = options.dataset.method !== photoMethod();
    });
  }
  dropZone($("photo-drop"), $("photo-file"), choosePhoto);
  dropZone($("painting-drop"), $("painting-file"), choosePainting);
  dropZone($("video-drop"), $("video-file"), chooseVideo);
  if (!info.training_unavailable) dropZone($("train-drop"), $("train-file"), choosePaintingToTrain);
  $("train-name").addEventListener("input", checkTrainName);
  $("train-run").addEventListener("click", runTraining);
  $("photo-run").addEventListener("click", runPhoto);
  for (const id of ["photo-strength", "photo-preserve", "photo-size"]) {
    $(id).addEventListener("change", () => { if (state.photo && photoMethod() === "fast") runPhoto(); });
  }
  $("video-preview").addEventListener("click", () => runVideo(true));
  $("video-run").addEventListener("click", () => runVideo(false));
  $("live-start").addEventListener("click", () => live.start());
  $("live-stop").addEventListener("click", () => live.stop());
  $("live-strength").addEventListener("input", () => live.settings({ strength: Number($("live-strength").value) }));
  $("live-temporal").addEventListener("change", () => live.settings({ temporal: $("live-temporal").checked }));
  $("live-dream").addEventListener("change", () => live.settings({ dream: $("live-dream").value || null }));
  try {
    await loadGallery();
  } catch (error) {
    showError("gallery-error", error.message);
  }
  document.body.dataset.ready = "true";
}

start();
