/**
 * What the page is told by its URL:
 *
 *   .../static/index.html?token=T&path=04-locks.ipynb
 *
 * - `token`: the server's token (the one it printed at start-up); without it the server refuses
 *   every API call unless the browser already holds its login cookie.
 * - `path`: the notebook to open, relative to the server's root folder; without it the page lists
 *   the notebooks of the folder `dir` (default: the root).
 * - `baseUrl`: the server's base URL; by default, the part of this page's own URL before `static/`
 *   (jupyter_server serves its static files under BASE_URL/static/).
 * - `kernel`: the kernel to start for a notebook whose metadata names none (default: threadlab).
 */
import { ServerConnection } from "@jupyterlab/services";
import { PageConfig } from "@jupyterlab/coreutils";

export interface PageOptions {
  baseUrl: string;
  token: string;
  path: string | null;
  dir: string;
  kernel: string;
}

/** A problem with the page's URL or the server's answers, shown to the user as it is. */
export class PageError extends Error {}

export function readOptions(location: Location): PageOptions {
  const q = new URLSearchParams(location.search);
  let baseUrl = q.get("baseUrl");
  if (baseUrl === null) {
    const at = location.pathname.lastIndexOf("/static/");
    if (at < 0) {
      throw new PageError(
        `cannot tell the Jupyter server's base URL from this page's address (${location.pathname} has no /static/ in it): ` +
          "add ?baseUrl=http://HOST:PORT/ to the address",
      );
    }
    baseUrl = location.origin + location.pathname.slice(0, at + 1);
  }
  let parsed: URL;
  try {
    parsed = new URL(baseUrl, location.href);
  } catch {
    throw new PageError(`baseUrl must be a URL such as http://127.0.0.1:8888/, got '${baseUrl}'`);
  }
  if (!/^https?:$/.test(parsed.protocol)) throw new PageError(`baseUrl must be an http(s) URL, got '${baseUrl}'`);
  const path = q.get("path");
  if (path !== null && !/\.ipynb$/i.test(path)) {
    throw new PageError(`path must name a notebook (a .ipynb file) relative to the server's folder, got '${path}'`);
  }
  const kernel = q.get("kernel") ?? "threadlab";
  if (!/^[\w.-]+$/.test(kernel)) throw new PageError(`kernel must be a kernelspec name such as threadlab, got '${kernel}'`);
  return {
    baseUrl: parsed.href.endsWith("/") ? parsed.href : parsed.href + "/",
    token: q.get("token") ?? "",
    path: path === null ? null : path.replace(/^\/+/, ""),
    dir: (q.get("dir") ?? "").replace(/^\/+|\/+$/g, ""),
    kernel,
  };
}

/** The settings every request to the server goes with: its URLs and the token. */
export function serverSettings(o: PageOptions): ServerConnection.ISettings {
  // Parts of JupyterLab read these from the page config rather than from the settings.
  PageConfig.setOption("baseUrl", o.baseUrl);
  PageConfig.setOption("wsUrl", o.baseUrl.replace(/^http/, "ws"));
  PageConfig.setOption("token", o.token);
  return ServerConnection.makeSettings({
    baseUrl: o.baseUrl,
    wsUrl: o.baseUrl.replace(/^http/, "ws"),
    token: o.token,
    // A browser's WebSocket cannot send an Authorization header: the token goes in the URL.
    appendToken: true,
  });
}

/** This page's address with other query parameters (the token and baseUrl are kept). */
export function pageUrl(o: PageOptions, params: Record<string, string>): string {
  const q = new URLSearchParams(window.location.search);
  for (const k of ["path", "dir"]) q.delete(k);
  for (const [k, v] of Object.entries(params)) q.set(k, v);
  return `${window.location.pathname}?${q.toString()}`;
}

/** Turns the server's refusal into what the user can do about it. */
export function explain(e: unknown, what: string, o: PageOptions): PageError {
  if (e instanceof ServerConnection.ResponseError) {
    const status = e.response.status;
    if (status === 403 || status === 401) {
      return new PageError(
        `${what}: the server refused (${status}). ` +
          (o.token ? "The token in the address is not this server's: " : "The address has no token: ") +
          "open the URL the server printed at start-up (it ends with ?token=...).",
      );
    }
    if (status === 404) return new PageError(`${what}: not found on the server (404).`);
    return new PageError(`${what}: the server answered ${status}: ${e.message}`);
  }
  if (e instanceof ServerConnection.NetworkError || e instanceof TypeError) {
    return new PageError(`${what}: cannot reach the Jupyter server at ${o.baseUrl} (${e.message}). Is it still running?`);
  }
  return e instanceof PageError ? e : new PageError(`${what}: ${e instanceof Error ? e.message : String(e)}`);
}
