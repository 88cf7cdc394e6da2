// What the page tells the user: problems next to their fields or in the banner, announcements for screen readers,
// and the dialog that asks for a function key.
import { ApiError, functionKey, setFunctionKey } from "./api.js";
import { $ } from "./state.js";

const fieldIds = ["prompt", "model", "size", "seconds", "count", "input_reference", "renditions"];

export function clearErrors() {
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
export function showProblem(error, { near = "form", source } = {}) {
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
export function showBanner(title, detail, tone = "error", source = undefined) {
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

export function hideBanner() {
  $("banner").hidden = true;
  delete $("banner").dataset.source;
}

/** Takes the banner down only when it is the one this source put up. */
export function hideBannerFrom(source) {
  if (!$("banner").hidden && $("banner").dataset.source === source) hideBanner();
}

export function announce(text) {
  const announcer = $("announcer");
  announcer.textContent = "";
  // A fresh text node makes screen readers read it even when it repeats.
  requestAnimationFrame(() => { announcer.textContent = text; });
}

// ---------- function key ----------

export function askForKey() {
  const dialog = $("key-dialog");
  $("key-button").hidden = false;
  if (!dialog.open) {
    $("key-input").value = functionKey();
    dialog.showModal();
  }
}

export function setUpKeyDialog(onKey) {
  $("key-button").addEventListener("click", askForKey);
  $("key-form").addEventListener("submit", () => {
    setFunctionKey($("key-input").value.trim());
    hideBanner();
    onKey();
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
