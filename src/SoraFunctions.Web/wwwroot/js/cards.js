// The jobs as cards and gallery tiles, their actions (cancel, remix, play, download) and the player.
import { api, ApiError, mediaUrl, renditionUrl } from "./api.js";
import { describeElapsed, formatUsd, isTerminal, statusLabel } from "./format.js";
import { announce, showProblem } from "./notices.js";
import { $, state } from "./state.js";

/** What runs after an action here changed a job (the poll speeds up); set once at the start (`whenJobsChange`). */
let jobsChanged = () => {};

export function whenJobsChange(callback) {
  jobsChanged = callback;
}

export function upsertJob(job, isNew = false) {
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
    jobsChanged();
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
      jobsChanged();
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

export function renderAll() {
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

export function tickClock() {
  for (const id of state.order) {
    const job = state.jobs.get(id);
    if (!isTerminal(job.status)) {
      state.cards.get(id)?.querySelector(".job-time")?.replaceChildren(describeElapsed(job));
    }
  }
}

export function openPlayer(id) {
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

export function setUpPlayer() {
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
