// Formatting shared by the list, the gallery and the player.

const terminal = new Set(["completed", "failed", "canceled"]);

export function isTerminal(status) {
  return terminal.has(status);
}

const labels = {
  queued: "Queued",
  in_progress: "Rendering",
  storing: "Saving",
  completed: "Ready",
  failed: "Failed",
  canceled: "Canceled",
};

export function statusLabel(job) {
  const label = labels[job.status] ?? job.status;
  if (job.status === "queued" && job.queuePosition > 0) return `${label} · #${job.queuePosition} in line`;
  if (job.status === "in_progress" && job.progress != null) return `${label} · ${job.progress}%`;
  return label;
}

const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function formatUsd(value) {
  return usd.format(Number(value) || 0);
}

export function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

export function formatDuration(ms) {
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, "0")}:${String(seconds).padStart(2, "0")}`
    : `${minutes}:${String(seconds).padStart(2, "0")}`;
}

const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

function ago(date) {
  const seconds = Math.round((date.getTime() - Date.now()) / 1000);
  const steps = [[60, "second"], [60, "minute"], [24, "hour"], [7, "day"], [4.35, "week"], [12, "month"]];
  let value = seconds;
  for (const [size, unit] of steps) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
    value /= size;
  }
  return relative.format(Math.round(value), "year");
}

/** "Elapsed 0:42" while a job runs; "Took 0:25 · 3 minutes ago" once it has ended. */
export function describeElapsed(job) {
  const created = new Date(job.createdAt ?? Date.now());
  if (!isTerminal(job.status)) {
    return `Elapsed ${formatDuration(Date.now() - created.getTime())}`;
  }
  const ended = new Date(job.completedAt ?? job.lastUpdatedAt ?? created);
  return `Took ${formatDuration(ended.getTime() - created.getTime())} · ${ago(ended)}`;
}
