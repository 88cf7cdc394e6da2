// SoraFunctions Studio: submit prompts, watch jobs render, play and download the videos. This module starts the page
// and holds the tabs; the notices, the form, the cards and the polling each have a module of their own.
import { ApiError } from "./api.js";
import { renderAll, setUpPlayer, tickClock, whenJobsChange } from "./cards.js";
import { loadCatalog, refreshCount, setUpForm } from "./form.js";
import { setUpKeyDialog } from "./notices.js";
import { loadOlder, loadUsage, pollSoon } from "./polling.js";
import { $, state } from "./state.js";

// ---------- tabs ----------

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

async function start() {
  const error = await loadCatalog();
  if (error instanceof ApiError && error.status === 401) return;
  loadUsage();
  pollSoon();
}

whenJobsChange(pollSoon);
setUpKeyDialog(start);
setUpForm(() => {
  renderAll();
  pollSoon();
  loadUsage();
});
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
