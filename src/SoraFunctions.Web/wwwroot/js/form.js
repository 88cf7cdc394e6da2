// The form: the catalog's choices, the cost estimate, the prompt's length, and the submission itself.
import { api } from "./api.js";
import { upsertJob } from "./cards.js";
import { formatUsd } from "./format.js";
import { announce, clearErrors, hideBanner, hideBannerFrom, showProblem } from "./notices.js";
import { $, state } from "./state.js";

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

export function refreshCount() {
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

async function submit(event, onStarted) {
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
    onStarted();
  } catch (error) {
    showProblem(error);
  } finally {
    button.removeAttribute("aria-busy");
    button.querySelector(".button-label").textContent = "Generate";
  }
}

/** `onStarted` runs after a submission was accepted (the list, the poll and the usage catch up). */
export function setUpForm(onStarted) {
  $("compose").addEventListener("submit", (event) => submit(event, onStarted));
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

/** Fills the form from GET /api/models; resolves to the error when that failed. `quiet` retries say nothing more. */
export async function loadCatalog({ quiet = false } = {}) {
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
