// The HTTP API as the page uses it. Calls carry the platform's sign-in cookie (Easy Auth) by themselves; where the
// Functions app wants a function key instead, the user pastes one once and it is kept in this tab's sessionStorage.

const keyName = "sorafunctions.functionKey";

export function functionKey() {
  return sessionStorage.getItem(keyName) || "";
}

export function setFunctionKey(value) {
  if (value) {
    sessionStorage.setItem(keyName, value);
  } else {
    sessionStorage.removeItem(keyName);
  }
}

/** A failed call: `problem` is the API's problem+json body, or one made from the status when there is none. */
export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }
}

const statusTitles = {
  400: "The request is not valid.",
  401: "This service needs a key or a sign-in.",
  403: "You may not do this.",
  404: "Not found.",
  405: "This service does not offer that.",
  409: "Conflict.",
  413: "The request is too large.",
  415: "Unsupported media type.",
  429: "Too many requests.",
  500: "The service failed.",
  502: "The service is unreachable.",
  503: "The service is unavailable.",
};

/** Calls the API; resolves to `{ status, data, headers }`, rejects with an ApiError for any non-2xx answer. */
export async function call(path, { method = "GET", json, form, signal } = {}) {
  const headers = { accept: "application/json, application/problem+json" };
  const key = functionKey();
  if (key) {
    headers["x-functions-key"] = key;
  }

  let body;
  if (json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form;
  }

  let response;
  try {
    response = await fetch(path, { method, headers, body, signal, credentials: "same-origin" });
  } catch (error) {
    if (error.name === "AbortError") {
      throw error;
    }
    throw new ApiError(0, { title: "The service cannot be reached.", detail: "Check your connection; the page keeps trying." });
  }

  const type = response.headers.get("content-type") || "";
  let data = null;
  if (type.includes("json")) {
    data = await response.json().catch(() => null);
  }

  if (!response.ok) {
    const problem = data && typeof data === "object"
      ? data
      : { status: response.status, title: statusTitles[response.status] || `The service answered ${response.status}.` };
    if (!problem.detail && response.status === 404) {
      problem.detail = `${method} ${path.split("?")[0]} is not offered by this service.`;
    }
    throw new ApiError(response.status, problem, response.headers.get("retry-after"));
  }

  return { status: response.status, data, headers: response.headers };
}

/** A URL the browser loads by itself (video, download): the key, when there is one, goes in the query. */
export function mediaUrl(path) {
  const key = functionKey();
  return key ? `${path}${path.includes("?") ? "&" : "?"}code=${encodeURIComponent(key)}` : path;
}

/**
 * A rendition (the poster image, the spritesheet) the browser loads by itself. The API names it by a path of its own
 * (`/api/videos/{id}/renditions/{name}`, answered with a redirect to a signed link, like the video's content): that path
 * gets the key the way the video does. A link elsewhere (straight to storage) is used as it is: the key stays here.
 */
export function renditionUrl(url) {
  if (!url) return "";
  let resolved;
  try {
    resolved = new URL(url, document.baseURI);
  } catch {
    return "";
  }
  return resolved.origin === location.origin ? mediaUrl(`${resolved.pathname}${resolved.search}`) : resolved.href;
}

export const api = {
  models: () => call("/api/models"),
  usage: () => call("/api/usage"),
  jobs: (limit = 20, continuationToken) =>
    call(`/api/videos?limit=${limit}${continuationToken ? `&continuationToken=${encodeURIComponent(continuationToken)}` : ""}`),
  job: (id) => call(`/api/videos/${encodeURIComponent(id)}`),
  submit: (request) => call("/api/videos", { method: "POST", json: request }),
  submitWithImage: (form) => call("/api/videos", { method: "POST", form }),
  submitBatch: (request) => call("/api/batches", { method: "POST", json: request }),
  cancel: (id) => call(`/api/videos/${encodeURIComponent(id)}`, { method: "DELETE" }),
  remix: (id, prompt) => call(`/api/videos/${encodeURIComponent(id)}/remix`, { method: "POST", json: { prompt } }),
  contentPath: (id) => `/api/videos/${encodeURIComponent(id)}/content`,
};
