// api.js: the K-TV HTTP API as the web player uses it.
//
// Where the API is, the access token, JSON calls, and RFC 9457 problems turned into
// errors that carry the server's own `detail` (the sentence to show the viewer).

/** The API's base URL. The page's `<meta name="ktv-api" content="...">` when it is set
 *  (a copy of the page served from another origin), else the folder this page came from:
 *  `/watch` -> `/`, so a reverse proxy's path prefix (`/tv/watch` -> `/tv/`) just works. */
export const API_BASE = new URL(
  document.querySelector('meta[name="ktv-api"]')?.content || '.', document.baseURI);

/** An absolute URL for an API path ("api/v1/channels") or a URL the server returned. */
export function apiUrl(path) {
  return new URL(path, API_BASE).href;
}

// The access token lives in sessionStorage: this tab only, gone when it closes.
const TOKEN_KEY = 'ktv.token';
export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** A refused request: `status` is the HTTP status, `message` the problem's `detail`. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The ApiError a failed response stands for (K-TV's errors are problem+json bodies). */
export async function problemOf(response) {
  try {
    const body = await response.json();
    if (body && body.detail) return new ApiError(response.status, body.detail);
  } catch {
    // not JSON: fall through to the status line
  }
  return new ApiError(response.status, `${response.status} ${response.statusText}`.trim());
}

/** Calls the API and returns the decoded JSON (null for 204), or throws an ApiError. */
export async function call(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  const bearer = token.get();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(apiUrl(path), {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await problemOf(response);
  return response.status === 204 ? null : response.json();
}

/** Email and password sign-in: keeps the token, or throws (401: wrong email or password). */
export async function signIn(email, password) {
  const answer = await call('api/v1/auth/login', { method: 'POST', body: { email, password } });
  token.set(answer.access_token);
}

/** Where the single sign-on button goes (the server redirects to the identity provider). */
export const OIDC_LOGIN_URL = apiUrl('api/v1/auth/login/oidc');

/** After single sign-on, K-TV's callback sends the browser back to this page with the
 *  outcome in the URL fragment: `#access_token=...` or `#error=...&error_description=...`
 *  (OIDC_POST_LOGIN_REDIRECT=<base>/watch). Reads it once, keeps the token, and removes the
 *  fragment from the address bar and the history. Returns the error text, or null. */
export function takeSignInFragment() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (!fragment.has('access_token') && !fragment.has('error')) return null;
  history.replaceState(null, '', location.pathname + location.search);
  if (fragment.has('access_token')) {
    token.set(fragment.get('access_token'));
    return null;
  }
  return fragment.get('error_description') || fragment.get('error');
}
