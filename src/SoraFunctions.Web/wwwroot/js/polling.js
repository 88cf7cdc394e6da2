// Following the jobs: quick while something renders, slower when nothing changes, paused in a hidden tab; older pages
// on demand; the caller's spending.
import { api, ApiError } from "./api.js";
import { renderAll, upsertJob } from "./cards.js";
import { formatUsd, isTerminal, plural } from "./format.js";
import { loadCatalog } from "./form.js";
import { askForKey, hideBannerFrom, showProblem } from "./notices.js";
import { $, state } from "./state.js";

const poll = { min: 1000, active: 8000, idle: 30000 };
const pageSize = 20;
// Active jobs outside the first page (an older render, a batch bigger than a page) looked up one by one, per poll.
const lookUpsPerPoll = 10;

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

export function pollSoon() {
  state.pollDelay = poll.min;
  clearTimeout(state.pollTimer);
  state.polling = true;
  state.pollTimer = setTimeout(pollOnce, 300);
}

export async function loadOlder() {
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

export async function loadUsage() {
  try {
    const { data } = await api.usage();
    $("usage-today").textContent = usageText(data.today, data.callerDailyUsd);
    $("usage-month").textContent = usageText(data.month);
    $("usage").hidden = false;
  } catch (error) {
    if (!(error instanceof ApiError)) console.error(error);
  }
}
