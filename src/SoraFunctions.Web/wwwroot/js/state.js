// The page's shared state and the element lookup every module uses.

export const $ = (id) => document.getElementById(id);

export const state = {
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
