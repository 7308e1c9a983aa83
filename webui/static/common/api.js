// The JSON API as the pages use it: same-origin fetch, the session cookie (HttpOnly: the
// page never sees it), the session's CSRF token in X-CSRF-Token on every request, and every
// failure thrown as an ApiError carrying the API's own message (RFC 9457 "detail").

let csrfToken = null;

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `request failed (${status})`);
    this.status = status;
    this.problem = problem;
    this.field = problem.field || null;
  }
}

/** Remembers the CSRF token a login (or GET /api/session) answered; kept in memory only. */
export function setCsrf(token) {
  csrfToken = token || null;
}

/** api("POST", "/api/orders", {items}) -> the parsed JSON answer (null for 202/204). */
export async function api(method, path, body) {
  const headers = {Accept: "application/json"};
  if (csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const init = {method, headers, credentials: "same-origin", cache: "no-store"};
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, {detail: "the site cannot be reached: check your connection and try again"});
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (e) {
      data = {detail: `the server answered ${response.status} ${response.statusText}`};
    }
  }
  if (!response.ok) throw new ApiError(response.status, data || {title: response.statusText});
  return data;
}

export const get = (path) => api("GET", path);
export const post = (path, body = {}) => api("POST", path, body);
export const put = (path, body) => api("PUT", path, body);
export const del = (path) => api("DELETE", path);

/** The current session ({csrf_token, expires_at, needs_second_factor}) or null; sets the
 *  CSRF token. Pages call it once when they load. */
export async function loadSession() {
  try {
    const session = await get("/api/session");
    setCsrf(session.csrf_token);
    return session;
  } catch (e) {
    if (e.status === 401) {
      setCsrf(null);
      return null;
    }
    throw e;
  }
}
