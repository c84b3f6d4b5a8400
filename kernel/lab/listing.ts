/**
 * Without ?path=, the page lists the notebooks (and sub-folders) of a folder of the server,
 * each linking to this page with its path.
 */
import type { Contents } from "@jupyterlab/services";
import { explain, pageUrl, type PageOptions } from "./config";

function link(href: string, text: string, className: string): HTMLLIElement {
  const li = document.createElement("li");
  li.className = className;
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  li.appendChild(a);
  return li;
}

export async function showListing(host: HTMLElement, contents: Contents.IManager, o: PageOptions): Promise<void> {
  let folder: Contents.IModel;
  try {
    folder = await contents.get(o.dir, { content: true });
  } catch (e) {
    throw explain(e, `listing the folder '${o.dir || "/"}'`, o);
  }
  if (folder.type !== "directory") throw explain(new Error("it is not a folder"), `listing '${o.dir}'`, o);
  const items = (folder.content as Contents.IModel[]).slice().sort((a, b) => a.name.localeCompare(b.name));
  const notebooks = items.filter((i) => i.type === "notebook");
  const folders = items.filter((i) => i.type === "directory" && !i.name.startsWith("."));

  document.title = `${o.dir || "notebooks"} - threadlab`;
  const page = document.createElement("div");
  page.className = "tl-listing";
  const h1 = document.createElement("h1");
  h1.textContent = o.dir ? `Notebooks in ${o.dir}/` : "Notebooks";
  page.appendChild(h1);
  const ul = document.createElement("ul");
  if (o.dir) {
    const up = o.dir.includes("/") ? o.dir.slice(0, o.dir.lastIndexOf("/")) : "";
    ul.appendChild(link(pageUrl(o, up ? { dir: up } : {}), "../", "tl-folder"));
  }
  for (const f of folders) ul.appendChild(link(pageUrl(o, { dir: f.path }), `${f.name}/`, "tl-folder"));
  for (const nb of notebooks) ul.appendChild(link(pageUrl(o, { path: nb.path }), nb.name, "tl-notebook"));
  page.appendChild(ul);
  if (notebooks.length === 0) {
    const p = document.createElement("p");
    p.textContent = "This folder has no notebooks (.ipynb files).";
    page.appendChild(p);
  }
  host.appendChild(page);
}
