/**
 * The threadlab JupyterLab page: a notebook (?path=NAME.ipynb) or the list of notebooks of a
 * folder, from the Jupyter server that serves this page. See config.ts for the URL's parameters.
 */
import "./styles";
import { ContentsManager, ServiceManager } from "@jupyterlab/services";
import { readOptions, serverSettings, PageError } from "./config";
import { showListing } from "./listing";
import { showNotebook } from "./notebook";

function showError(e: unknown): void {
  const box = document.getElementById("tl-error") ?? document.body.appendChild(document.createElement("div"));
  box.id = "tl-error";
  box.setAttribute("role", "alert");
  box.textContent =
    e instanceof PageError ? e.message : `The page failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  document.body.dataset.pageState = "error";
  console.error(e);
}

async function main(): Promise<void> {
  const o = readOptions(window.location);
  const settings = serverSettings(o);
  const host = document.getElementById("tl-root")!;
  if (o.path === null) {
    // A list needs the contents API only.
    await showListing(host, new ContentsManager({ serverSettings: settings }), o);
  } else {
    const services = new ServiceManager({ serverSettings: settings });
    services.connectionFailure.connect((_s, e) =>
      showError(new PageError(`lost the connection to the Jupyter server at ${o.baseUrl}: ${e.message}`)),
    );
    await showNotebook(host, services, o);
  }
  document.body.dataset.pageState = "ready";
}

window.addEventListener("load", () => {
  main().catch(showError);
});
