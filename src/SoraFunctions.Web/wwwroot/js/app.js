// SoraFunctions Studio: submit prompts, watch jobs render, play and download the videos.
import { api, ApiError, functionKey, mediaUrl, renditionUrl, setFunctionKey } from "./api.js";
import { describeElapsed, formatUsd, plural, statusLabel, isTerminal } from "./format.js";

const $ = (id) => document.getElementById(id);

const state = {
  catalog: null,
  jobs: new Map(),        // id -> job, as the API shows it
  order: [],              // ids, newest first
  cards: new Map(),       // id -> <li>
  tiles: new Map(),       // id -> gallery <li>
  older: null,            // continuation token of the next page
  olderLoaded: false,
  checked: new Map(),     // id -> when a job outside the first page was last looked up by itself
  catalogLoading: false,
  countLevel: "ok",       // the prompt's length: "ok", "near" or "over" the limit
  view: "jobs",
  pollDelay: 1000,
  pollTimer: 0,
  polling: false,
  loadedOnce: false,
};

const poll = { min: 1000, active: 8000, idle: 30000 };
const pageSize = 20;
// Active jobs outside the first page (an older render, a batch bigger than a page) looked up one by one, per poll.
const lookUpsPerPoll = 10;

// ---------- errors ----------

const fieldIds = ["prompt", "model", "size", "seconds", "count", "input_reference", "renditions"];

function clearErrors() {
  for (const field of fieldIds) {
    const message = $(`${field}-error`);
    if (message) {
      message.hidden = true;
      message.textContent = "";
    }
  }
  for (const control of document.querySelectorAll("#compose [aria-invalid]")) {
    control.removeAttribute("aria-invalid");
  }
  $("form-error").hidden = true;
}

/** Which form field an API error key names: `prompt`, `items[0].prompt`, `Prompt` and `$.prompt` all name the prompt. */
function fieldOf(key) {
  const last = key.split(/[.\]]/).filter(Boolean).pop()?.replace(/^\$/, "") ?? "";
  const name = last.toLowerCase();
  if (name === "image" || name === "input_reference" || name === "inputreference") return "input_reference";
  if (name === "items") return "count";
  return fieldIds.includes(name) ? name : null;
}

function controlOf(field) {
  return field === "input_reference" ? $("image") : $(field);
}

/**
 * Shows a problem next to the fields it names; whatever names no field goes to the banner. `source` tags the banner
 * ("poll", "catalog") so that the next success of the same call can take it down again, and nothing else's.
 */
function showProblem(error, { near = "form", source } = {}) {
  if (!(error instanceof ApiError)) {
    console.error(error);
    showBanner("Something went wrong.", String(error?.message ?? error), "error", source);
    return;
  }

  if (error.status === 401) {
    askForKey();
    return;
  }

  const problem = error.problem;
  let shown = false;
  if (problem.errors && typeof problem.errors === "object" && near === "form") {
    const leftover = [];
    let first = null;
    for (const [key, messages] of Object.entries(problem.errors)) {
      const field = fieldOf(key);
      const text = [].concat(messages).join(" ");
      const target = field && $(`${field}-error`);
      if (target && !target.parentElement.closest("[hidden]")) {
        target.textContent = text;
        target.hidden = false;
        controlOf(field)?.setAttribute("aria-invalid", "true");
        first ??= controlOf(field);
        shown = true;
      } else {
        leftover.push(text);
      }
    }
    if (leftover.length) {
      $("form-error").textContent = leftover.join(" ");
      $("form-error").hidden = false;
      shown = true;
    }
    first?.focus();
  }

  if (shown) {
    return;
  }

  if (error.status === 429) {
    const until = retryText(error.retryAfter);
    showBanner(problem.title || "Over budget.", `${problem.detail ?? ""}${until ? ` ${until}` : ""}`, "warn", source);
  } else if (near === "form" && error.status >= 400 && error.status < 500 && error.status !== 404) {
    $("form-error").textContent = problem.detail || problem.title;
    $("form-error").hidden = false;
  } else {
    showBanner(problem.title || "The service refused.", problem.detail || "", "error", source);
  }
}

function retryText(retryAfter) {
  const seconds = Number.parseInt(retryAfter ?? "", 10);
  if (!Number.isFinite(seconds) || seconds <= 0) return "";
  const at = new Date(Date.now() + seconds * 1000);
  return `You can try again at ${at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}.`;
}

/** Every banner says where it came from, or that it came from nowhere in particular: a new one replaces the old tag. */
function showBanner(title, detail, tone = "error", source = undefined) {
  const banner = $("banner");
  $("banner-title").textContent = title;
  $("banner-detail").textContent = detail;
  banner.classList.toggle("warn", tone === "warn");
  if (source) {
    banner.dataset.source = source;
  } else {
    delete banner.dataset.source;
  }
  banner.hidden = false;
}

function hideBanner() {
  $("banner").hidden = true;
  delete $("banner").dataset.source;
}

/** Takes the banner down only when it is the one this source put up. */
function hideBannerFrom(source) {
  if (!$("banner").hidden && $("banner").dataset.source === source) hideBanner();
}

function announce(text) {
  const announcer = $("announcer");
  announcer.textContent = "";
  // A fresh text node makes screen readers read it even when it repeats.
  requestAnimationFrame(() => { announcer.textContent = text; });
}

// ---------- function key ----------

function askForKey() {
  const dialog = $("key-dialog");
  $("key-button").hidden = false;
  if (!dialog.open) {
    $("key-input").value = functionKey();
    dialog.showModal();
  }
}

function setUpKeyDialog() {
  $("key-button").addEventListener("click", askForKey);
  $("key-form").addEventListener("submit", () => {
    setFunctionKey($("key-input").value.trim());
    hideBanner();
    start();
  });
  $("key-clear").addEventListener("click", () => {
    setFunctionKey("");
    $("key-input").value = "";
    $("key-dialog").close();
  });
  if (functionKey()) {
    $("key-button").hidden = false;
  }
}

// ---------- the form ----------

function currentModel() {
  return state.catalog?.models.find((m) => m.name === $("model").value);
}

function fillSelect(select, values, preferred, label = (v) => v) {
  const previous = select.value;
  select.replaceChildren(...values.map((value) => new Option(label(value), value)));
  select.value = values.includes(previous) ? previous : values.includes(preferred) ? preferred : values[0] ?? "";
}

function sizeLabel(size) {
  const [w, h] = size.split("x").map(Number);
  if (!w || !h) return size;
  const shape = w > h ? "landscape" : w < h ? "portrait" : "square";
  return `${size.replace("x", " × ")} · ${shape}`;
}

function refreshChoices() {
  const catalog = state.catalog;
  const model = currentModel() ?? catalog.models[0];
  fillSelect($("size"), model?.sizes ?? [], catalog.defaultSize, sizeLabel);
  fillSelect($("seconds"), model?.seconds ?? [], catalog.defaultSeconds, (s) => `${s} seconds`);
  refreshEstimate();
}

function refreshEstimate() {
  const model = currentModel();
  const rate = model?.usdPerSecond?.[$("size").value];
  const seconds = Number($("seconds").value);
  const count = state.catalog?.capabilities?.batches ? Math.max(1, Number($("count").value) || 1) : 1;
  const estimate = $("estimate");
  if (!rate || !seconds) {
    estimate.textContent = "";
    return;
  }
  const total = rate * seconds * count;
  estimate.replaceChildren("Estimated cost ", Object.assign(document.createElement("strong"), { textContent: formatUsd(total) }),
    count > 1 ? ` for ${count} videos` : "");
}

function refreshCount() {
  const max = state.catalog?.maxPromptLength ?? 10000;
  const length = $("prompt").value.length;
  const count = $("prompt-count");
  const over = length - max;
  count.textContent = over > 0
    ? `${length.toLocaleString()} / ${max.toLocaleString()} · ${over.toLocaleString()} over the limit`
    : `${length.toLocaleString()} / ${max.toLocaleString()}`;
  const level = over > 0 ? "over" : length > max * 0.9 ? "near" : "ok";
  count.classList.toggle("over", level === "over");
  count.classList.toggle("near", level === "near");
  // The count is not a live region (it would be read at every keystroke): only crossing a threshold is announced.
  if (level !== state.countLevel) {
    if (level === "over") {
      announce(`The prompt is ${over.toLocaleString()} characters over the limit of ${max.toLocaleString()}.`);
    } else if (level === "near") {
      announce(`The prompt is near the limit: ${length.toLocaleString()} of ${max.toLocaleString()} characters.`);
    } else if (state.countLevel === "over") {
      announce("The prompt is within the limit again.");
    }
    state.countLevel = level;
  }
}

const countHint = "More than one makes a batch of takes.";

/** A batch is JSON only, so a chosen image means one video: Variations stays at 1 until the image is taken away. */
function refreshImageChoice() {
  const count = $("count");
  const image = Boolean(state.catalog?.capabilities?.imageInput && $("image").files?.length);
  if (image && !count.disabled) {
    count.dataset.before = count.value;
    count.value = "1";
  } else if (!image && count.disabled) {
    count.value = count.dataset.before || "1";
    delete count.dataset.before;
  }
  count.disabled = image;
  $("count-hint").textContent = image ? "One video at a time when it starts from an image." : countHint;
  refreshEstimate();
}

function applyCatalog(catalog) {
  state.catalog = catalog;
  fillSelect($("model"), catalog.models.map((m) => m.name), catalog.defaultModel);
  refreshChoices();
  refreshCount();
  const caps = catalog.capabilities ?? {};
  $("count-field").hidden = !caps.batches;
  $("image-field").hidden = !caps.imageInput;
  $("renditions-field").hidden = !caps.renditions;
  refreshImageChoice();
  $("provider").textContent = catalog.provider;
  $("provider").hidden = !catalog.provider;
  $("provider").title = `Provider: ${catalog.provider}`;
}

async function submit(event) {
  event.preventDefault();
  clearErrors();
  hideBanner();
  const button = $("submit");
  if (button.getAttribute("aria-busy") === "true") return;

  const prompt = $("prompt").value;
  const request = { prompt, model: $("model").value, size: $("size").value, seconds: $("seconds").value };
  const caps = state.catalog?.capabilities ?? {};
  const renditions = caps.renditions
    ? [...document.querySelectorAll("input[name=renditions]:checked")].map((c) => c.value)
    : [];
  if (renditions.length) request.renditions = renditions;
  const image = caps.imageInput ? $("image").files?.[0] : undefined;
  const count = caps.batches && !image ? Math.max(1, Number.parseInt($("count").value, 10) || 1) : 1;

  button.setAttribute("aria-busy", "true");
  button.querySelector(".button-label").textContent = "Starting…";
  try {
    if (count > 1) {
      const { data } = await api.submitBatch({ ...request, count });
      for (const item of data?.items ?? []) {
        upsertJob({ ...request, ...item, createdAt: item.createdAt ?? new Date().toISOString() }, true);
      }
      announce(`Started a batch of ${count} videos.`);
    } else if (image) {
      const form = new FormData();
      for (const [name, value] of Object.entries(request)) {
        for (const v of [].concat(value)) form.append(name, v);
      }
      form.append("input_reference", image, image.name);
      const { data } = await api.submitWithImage(form);
      upsertJob({ ...request, ...data }, true);
      announce("Video started.");
    } else {
      const { data } = await api.submit(request);
      upsertJob({ prompt, ...data }, true);
      announce("Video started.");
    }
    $("prompt").value = "";
    $("image").value = "";
    refreshImageChoice();
    refreshCount();
    renderAll();
    pollSoon();
    loadUsage();
  } catch (error) {
    showProblem(error);
  } finally {
    button.removeAttribute("aria-busy");
    button.querySelector(".button-label").textContent = "Generate";
  }
}

function setUpForm() {
  $("compose").addEventListener("submit", submit);
  $("prompt").addEventListener("input", () => {
    refreshCount();
    if (!$("prompt-error").hidden) {
      $("prompt-error").hidden = true;
      $("prompt").removeAttribute("aria-invalid");
    }
  });
  $("prompt").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.metaKey || event.ctrlKey)) {
      $("compose").requestSubmit();
    }
  });
  $("model").addEventListener("change", refreshChoices);
  $("size").addEventListener("change", refreshEstimate);
  $("seconds").addEventListener("change", refreshEstimate);
  $("count").addEventListener("input", refreshEstimate);
  $("image").addEventListener("change", refreshImageChoice);
  $("banner-close").addEventListener("click", hideBanner);
}

// ---------- jobs ----------

function upsertJob(job, isNew = false) {
  const known = state.jobs.get(job.id);
  // The list answer is the whole truth for a job; a submit answer lacks fields the list has (and vice versa).
  state.jobs.set(job.id, { ...known, ...job, isNew: isNew || known?.isNew });
  if (!known) {
    state.order.push(job.id);
  }
}

function sortOrder() {
  state.order.sort((a, b) => Date.parse(state.jobs.get(b).createdAt ?? 0) - Date.parse(state.jobs.get(a).createdAt ?? 0));
}

function isLandscape(job) {
  const [w, h] = (job.size ?? "").split("x").map(Number);
  return w > h;
}

function renderJob(job) {
  let card = state.cards.get(job.id);
  if (!card) {
    card = $("job-template").content.firstElementChild.cloneNode(true);
    card.dataset.id = job.id;
    card.querySelector(".progress").setAttribute("aria-label", "Progress");
    state.cards.set(job.id, card);
  }

  const previous = card.dataset.status;
  const active = !isTerminal(job.status);
  card.dataset.status = job.status;
  card.dataset.active = String(active);
  card.classList.toggle("is-new", Boolean(job.isNew) && active);

  const badge = card.querySelector(".badge");
  badge.textContent = statusLabel(job);

  card.querySelector(".job-meta").textContent = [job.model, job.size?.replace("x", "×"), job.seconds && `${job.seconds}s`].filter(Boolean).join(" · ");
  const promptText = job.prompt ?? "(prompt not available)";
  card.querySelector(".job-prompt").textContent = promptText;
  card.querySelector(".job-prompt").title = promptText;

  const progress = job.status === "completed" ? 100 : Math.max(0, Math.min(100, job.progress ?? 0));
  const bar = card.querySelector(".progress");
  bar.setAttribute("aria-valuenow", String(progress));
  bar.setAttribute("aria-valuetext", `${progress}%, ${statusLabel(job)}`);
  card.querySelector(".progress-fill").style.width = `${progress}%`;

  card.querySelector(".job-cost").textContent = job.estimatedCostUsd != null ? `≈ ${formatUsd(job.estimatedCostUsd)}` : "";
  card.querySelector(".job-time").textContent = describeElapsed(job);

  const error = card.querySelector(".job-error");
  if (job.status === "failed" && job.error) {
    const code = document.createElement("code");
    code.textContent = job.error.code;
    error.replaceChildren(code, " ", job.error.message ?? "");
    error.hidden = false;
  } else {
    error.hidden = true;
  }

  renderMedia(card, job);
  renderActions(card, job, previous);

  if (previous && previous !== job.status) {
    const short = (job.prompt ?? job.id).slice(0, 60);
    announce(`${short}: ${statusLabel(job)}`);
  }
  return card;
}

function renderMedia(card, job) {
  const media = card.querySelector(".job-media");
  media.classList.toggle("landscape", isLandscape(job));
  if (job.status !== "completed" || media.dataset.ready === "true") {
    return;
  }

  media.dataset.ready = "true";
  const thumbnail = thumbnailUrl(job);
  let preview;
  if (thumbnail) {
    preview = document.createElement("img");
    preview.alt = "";
    // A poster that cannot be loaded gives way to the first frame, never to a broken-image icon.
    preview.addEventListener("error", () => preview.replaceWith(framePreview(job)), { once: true });
    preview.src = thumbnail;
  } else {
    preview = framePreview(job);
  }
  const play = document.createElement("button");
  play.type = "button";
  play.className = "play";
  play.setAttribute("aria-label", `Play: ${(job.prompt ?? job.id).slice(0, 80)}`);
  play.innerHTML = '<span><svg viewBox="0 0 16 16" aria-hidden="true"><path d="M4 2.5v11l9-5.5z" fill="currentColor"/></svg></span>';
  play.addEventListener("click", () => openPlayer(job.id));
  media.replaceChildren(preview, play);
}

/** The first frame is the poster: only the metadata and a little of the file are fetched. */
function framePreview(job) {
  const preview = document.createElement("video");
  preview.muted = true;
  preview.playsInline = true;
  preview.preload = "metadata";
  preview.src = `${mediaUrl(api.contentPath(job.id))}#t=0.5`;
  preview.setAttribute("aria-hidden", "true");
  preview.tabIndex = -1;
  return preview;
}

/** The poster image, loaded like the video itself (the API's path, with the key when there is one). */
function thumbnailUrl(job) {
  return renditionUrl(job?.renditions?.thumbnail?.url);
}

/** Sets a video's poster; one that cannot be loaded is taken away again (the video shows its own first frame). */
function setPoster(video, url) {
  if (!url) {
    video.removeAttribute("poster");
    return;
  }
  video.poster = url;
  const probe = new Image();
  probe.addEventListener("error", () => {
    if (video.getAttribute("poster") === url) video.removeAttribute("poster");
  }, { once: true });
  probe.src = url;
}

function actionButton(label, className, onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = `button small ${className}`;
  button.textContent = label;
  button.addEventListener("click", onClick);
  return button;
}

function renderActions(card, job, previousStatus) {
  const actions = card.querySelector(".job-actions");
  const key = `${job.status}|${state.catalog?.capabilities?.remix ? 1 : 0}`;
  if (actions.dataset.key === key && previousStatus === job.status) {
    return;
  }
  actions.dataset.key = key;
  const children = [];
  if (!isTerminal(job.status)) {
    children.push(actionButton("Cancel", "danger", (event) => cancelJob(job.id, event.currentTarget)));
  }
  if (job.status === "completed") {
    children.push(actionButton("Play", "ghost", () => openPlayer(job.id)));
    const download = document.createElement("a");
    download.className = "button small ghost";
    download.href = mediaUrl(api.contentPath(job.id));
    download.download = `${job.id}.mp4`;
    download.textContent = "Download";
    children.push(download);
    if (state.catalog?.capabilities?.remix) {
      children.push(actionButton("Remix", "ghost", () => openRemix(card, job)));
    }
  }
  actions.replaceChildren(...children);
}

async function cancelJob(id, button) {
  button.disabled = true;
  button.textContent = "Canceling…";
  try {
    const { data } = await api.cancel(id);
    if (data) upsertJob(data);
    announce("Cancel requested.");
    pollSoon();
  } catch (error) {
    showProblem(error, { near: "job" });
    button.disabled = false;
    button.textContent = "Cancel";
  }
}

function openRemix(card, job) {
  const body = card.querySelector(".job-body");
  let form = body.querySelector(".remix-form");
  if (form) {
    form.querySelector("textarea").focus();
    return;
  }
  form = document.createElement("form");
  form.className = "remix-form";
  form.noValidate = true;
  const id = `remix-${job.id}`;
  form.innerHTML = `<label for="${id}">Change it</label>
    <textarea id="${id}" rows="2" required aria-describedby="${id}-error" placeholder="Same shot, but at night in the rain"></textarea>
    <p class="field-error" id="${id}-error" role="alert" hidden></p>
    <div class="row"><button type="submit" class="button small primary">Remix</button>
    <button type="button" class="button small ghost">Close</button></div>`;
  form.querySelector("button[type=button]").addEventListener("click", () => form.remove());
  const textarea = form.querySelector("textarea");
  const message = form.querySelector(".field-error");
  const button = form.querySelector("button[type=submit]");
  textarea.addEventListener("input", () => {
    message.hidden = true;
    textarea.removeAttribute("aria-invalid");
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    // One remix per press: a second click while the first is on its way would start (and charge) another.
    if (button.disabled) return;
    message.hidden = true;
    textarea.removeAttribute("aria-invalid");
    const text = textarea.value;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    button.textContent = "Remixing…";
    try {
      const { data } = await api.remix(job.id, text);
      upsertJob({ prompt: text, ...data }, true);
      form.remove();
      renderAll();
      pollSoon();
      announce("Remix started.");
    } catch (error) {
      if (error instanceof ApiError && error.status !== 401) {
        const errors = error.problem.errors ? Object.values(error.problem.errors).flat().join(" ") : "";
        message.textContent = errors || error.problem.detail || error.problem.title;
        message.hidden = false;
        textarea.setAttribute("aria-invalid", "true");
        textarea.focus();
      } else {
        showProblem(error, { near: "job" });
      }
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      button.textContent = "Remix";
    }
  });
  body.append(form);
  form.querySelector("textarea").focus();
}

function renderGalleryTile(job) {
  let tile = state.tiles.get(job.id);
  if (tile) return tile;
  tile = document.createElement("li");
  tile.className = "tile";
  const media = document.createElement("div");
  media.className = `tile-media${isLandscape(job) ? " landscape" : ""}`;
  const video = document.createElement("video");
  video.controls = true;
  video.playsInline = true;
  video.preload = "metadata";
  video.src = mediaUrl(api.contentPath(job.id));
  setPoster(video, thumbnailUrl(job));
  video.setAttribute("aria-label", `Video: ${(job.prompt ?? job.id).slice(0, 80)}`);
  media.append(video);
  const caption = document.createElement("p");
  caption.className = "tile-caption";
  caption.textContent = job.prompt ?? job.id;
  const foot = document.createElement("div");
  foot.className = "tile-foot";
  const when = document.createElement("span");
  when.textContent = [job.seconds && `${job.seconds}s`, job.size?.replace("x", "×")].filter(Boolean).join(" · ");
  const download = document.createElement("a");
  download.href = mediaUrl(api.contentPath(job.id));
  download.download = `${job.id}.mp4`;
  download.textContent = "Download";
  download.setAttribute("aria-label", `Download ${(job.prompt ?? job.id).slice(0, 60)}`);
  foot.append(when, download);
  tile.append(media, caption, foot);
  state.tiles.set(job.id, tile);
  return tile;
}

function renderAll() {
  sortOrder();
  const jobs = state.order.map((id) => state.jobs.get(id));
  const list = $("jobs");
  const cards = jobs.map(renderJob);
  // Reorder without recreating: a playing preview keeps playing.
  cards.forEach((card, index) => {
    if (list.children[index] !== card) list.insertBefore(card, list.children[index] ?? null);
  });
  while (list.children.length > cards.length) list.lastElementChild.remove();

  const finished = jobs.filter((j) => j.status === "completed");
  const gallery = $("gallery");
  const tiles = finished.map(renderGalleryTile);
  tiles.forEach((tile, index) => {
    if (gallery.children[index] !== tile) gallery.insertBefore(tile, gallery.children[index] ?? null);
  });
  while (gallery.children.length > tiles.length) gallery.lastElementChild.remove();

  $("loading").hidden = state.loadedOnce;
  const empty = state.loadedOnce && (state.view === "jobs" ? jobs.length === 0 : finished.length === 0);
  $("empty").hidden = !empty;
  $("empty").querySelector("p").innerHTML = state.view === "jobs"
    ? "No videos yet. Write a prompt and press <strong>Generate</strong>."
    : "Finished videos appear here.";
  $("more").hidden = !state.older;
}

function tickClock() {
  for (const id of state.order) {
    const job = state.jobs.get(id);
    if (!isTerminal(job.status)) {
      state.cards.get(id)?.querySelector(".job-time")?.replaceChildren(describeElapsed(job));
    }
  }
}

// ---------- polling: quick while something renders, slower when nothing changes, paused in a hidden tab ----------

function signature(jobs) {
  return jobs.map((j) => `${j.id}:${j.status}:${j.progress}`).join("|");
}

function forgetJob(id) {
  state.jobs.delete(id);
  state.order = state.order.filter((known) => known !== id);
  state.cards.get(id)?.remove();
  state.cards.delete(id);
  state.tiles.get(id)?.remove();
  state.tiles.delete(id);
  state.checked.delete(id);
}

/** One job by itself: its view, `{ id, gone: true }` when the API no longer has it, or null when this try failed. */
async function lookUpJob(id) {
  state.checked.set(id, Date.now());
  try {
    const { data } = await api.job(id);
    return data;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return { id, gone: true };
    return null;
  }
}

async function refreshJobs() {
  const { data } = await api.jobs(pageSize);
  const onPage = new Set(data.items.map((job) => job.id));
  // Jobs still running outside the first page (an older one, the rest of a big batch) are looked up one by one, the
  // longest unchecked first, so that they too end and the poll slows down.
  const outside = [...state.jobs.values()]
    .filter((job) => !onPage.has(job.id) && !isTerminal(job.status))
    .sort((a, b) => (state.checked.get(a.id) ?? 0) - (state.checked.get(b.id) ?? 0))
    .slice(0, lookUpsPerPoll);
  const lookedUp = (await Promise.all(outside.map((job) => lookUpJob(job.id)))).filter(Boolean);

  const before = signature([...state.jobs.values()]);
  let ended = false;
  for (const job of [...data.items, ...lookedUp]) {
    const known = state.jobs.get(job.id);
    if (job.gone) {
      // Purged, or no longer this caller's: nothing more will come for it.
      forgetJob(job.id);
      continue;
    }
    if (known && !isTerminal(known.status) && isTerminal(job.status)) ended = true;
    upsertJob(job);
    if (isTerminal(job.status)) state.checked.delete(job.id);
  }
  // The API leaves purged jobs out, so a short page can still have older ones after it: the token alone tells.
  if (!state.olderLoaded) state.older = data.continuationToken ?? null;
  state.loadedOnce = true;
  renderAll();
  if (ended) loadUsage();
  return before !== signature([...state.jobs.values()]);
}

async function pollOnce() {
  if (document.hidden) {
    state.polling = false;
    return;
  }
  let changed = false;
  try {
    changed = await refreshJobs();
    hideBannerFrom("poll");
  } catch (error) {
    state.pollDelay = Math.min(state.pollDelay * 2, poll.idle);
    if (error instanceof ApiError && error.status === 401) {
      askForKey();
      state.polling = false;
      return;
    }
    showProblem(error, { near: "list", source: "poll" });
    schedule();
    return;
  }
  // The service answers again: a catalog that failed to load at the start is asked for once more.
  if (!state.catalog) loadCatalog({ quiet: true });
  const active = [...state.jobs.values()].some((j) => !isTerminal(j.status));
  if (active) {
    state.pollDelay = changed ? poll.min : Math.min(Math.round(state.pollDelay * 1.5), poll.active);
  } else {
    state.pollDelay = Math.min(Math.max(state.pollDelay * 2, 5000), poll.idle);
  }
  schedule();
}

function schedule() {
  clearTimeout(state.pollTimer);
  state.polling = true;
  state.pollTimer = setTimeout(pollOnce, state.pollDelay);
}

function pollSoon() {
  state.pollDelay = poll.min;
  clearTimeout(state.pollTimer);
  state.polling = true;
  state.pollTimer = setTimeout(pollOnce, 300);
}

async function loadOlder() {
  if (!state.older) return;
  const button = $("more");
  button.disabled = true;
  try {
    const { data } = await api.jobs(pageSize, state.older);
    data.items.forEach((job) => upsertJob(job));
    state.older = data.continuationToken ?? null;
    state.olderLoaded = true;
    renderAll();
    // An older job still running is followed from now on: the poll speeds up for it.
    if (data.items.some((job) => !isTerminal(job.status))) pollSoon();
  } catch (error) {
    showProblem(error, { near: "list" });
  } finally {
    button.disabled = false;
  }
}

// ---------- usage ----------

function usageText(totals, budget) {
  const cost = formatUsd(totals?.costUsd ?? 0);
  const videos = plural(totals?.videos ?? 0, "video");
  return budget != null ? `${cost} of ${formatUsd(budget)} · ${videos}` : `${cost} · ${videos}`;
}

async function loadUsage() {
  try {
    const { data } = await api.usage();
    $("usage-today").textContent = usageText(data.today, data.callerDailyUsd);
    $("usage-month").textContent = usageText(data.month);
    $("usage").hidden = false;
  } catch (error) {
    if (!(error instanceof ApiError)) console.error(error);
  }
}

// ---------- player, tabs ----------

function openPlayer(id) {
  const job = state.jobs.get(id);
  const player = $("player");
  const url = mediaUrl(api.contentPath(id));
  if (player.dataset.id !== id) {
    player.dataset.id = id;
    player.src = url;
    setPoster(player, thumbnailUrl(job));
  }
  $("player-title").textContent = [job?.model, job?.size?.replace("x", "×"), job?.seconds && `${job.seconds}s`].filter(Boolean).join(" · ") || "Video";
  $("player-prompt").textContent = job?.prompt ?? "";
  $("player-download").href = url;
  $("player-download").download = `${id}.mp4`;
  $("player-dialog").showModal();
  player.play().catch(() => { /* autoplay refused: the controls are there */ });
}

function setUpPlayer() {
  const dialog = $("player-dialog");
  $("player-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => $("player").pause());
  // A click on the backdrop closes the player; one on the dialog's own padding (its target is the dialog too) does not.
  dialog.addEventListener("click", (event) => {
    if (event.target !== dialog) return;
    const box = dialog.getBoundingClientRect();
    const inside = event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
    if (!inside) dialog.close();
  });
}

function selectView(view, focus = false) {
  state.view = view;
  for (const [name, tab, panel] of [["jobs", $("tab-jobs"), $("jobs-panel")], ["gallery", $("tab-gallery"), $("gallery-panel")]]) {
    const selected = name === view;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    panel.hidden = !selected;
    if (selected && focus) tab.focus();
  }
  renderAll();
}

function setUpTabs() {
  $("tab-jobs").addEventListener("click", () => selectView("jobs"));
  $("tab-gallery").addEventListener("click", () => selectView("gallery"));
  for (const tab of [$("tab-jobs"), $("tab-gallery")]) {
    tab.addEventListener("keydown", (event) => {
      if (["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) {
        event.preventDefault();
        selectView(state.view === "jobs" ? "gallery" : "jobs", true);
      }
    });
  }
  $("more").addEventListener("click", loadOlder);
}

// ---------- start ----------

/** Fills the form from GET /api/models; resolves to the error when that failed. `quiet` retries say nothing more. */
async function loadCatalog({ quiet = false } = {}) {
  if (state.catalogLoading) return null;
  state.catalogLoading = true;
  try {
    const { data } = await api.models();
    applyCatalog(data);
    hideBannerFrom("catalog");
    return null;
  } catch (error) {
    if (!quiet) showProblem(error, { near: "list", source: "catalog" });
    return error;
  } finally {
    state.catalogLoading = false;
  }
}

async function start() {
  const error = await loadCatalog();
  if (error instanceof ApiError && error.status === 401) return;
  loadUsage();
  pollSoon();
}

setUpKeyDialog();
setUpForm();
setUpPlayer();
setUpTabs();
refreshCount();
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) {
    pollSoon();
    loadUsage();
  }
});
setInterval(tickClock, 1000);
// The interactive API viewer is served by the local host only.
fetch("/scalar/", { method: "GET" }).then((response) => {
  if (!response.ok) {
    $("scalar-link").previousElementSibling.hidden = true;
    $("scalar-link").hidden = true;
  }
}).catch(() => { $("scalar-link").hidden = true; });
start();
