/**
 * One notebook in JupyterLab's own widgets: a NotebookPanel (with its toolbar) opened through a
 * DocumentManager on the server's contents API, its session on the notebook's kernel, CodeMirror
 * cell editors bound to the shared model, outputs through the standard rendermime, Tab completion
 * from the kernel, and the commands, shortcuts and menus of commands.ts and menus.ts.
 */
import { SessionContextDialogs } from "@jupyterlab/apputils";
import {
  CodeMirrorEditorFactory,
  CodeMirrorMimeTypeService,
  EditorExtensionRegistry,
  EditorLanguageRegistry,
  EditorThemeRegistry,
  ybinding,
} from "@jupyterlab/codemirror";
import { DocumentManager, type IDocumentWidgetOpener } from "@jupyterlab/docmanager";
import { DocumentRegistry, type IDocumentWidget } from "@jupyterlab/docregistry";
import {
  NotebookModelFactory,
  NotebookPanel,
  NotebookWidgetFactory,
  runCell,
  setCellExecutor,
  StaticNotebook,
} from "@jupyterlab/notebook";
import { RenderMimeRegistry, standardRendererFactories } from "@jupyterlab/rendermime";
import type { ServiceManager } from "@jupyterlab/services";
import { CommandRegistry } from "@lumino/commands";
import { Signal } from "@lumino/signaling";
import { BoxPanel, Widget } from "@lumino/widgets";
import { marked } from "marked";
import { addCommands, addKeyBindings, toolbarFactory } from "./commands";
import { addCompletion } from "./completion";
import { explain, pageUrl, PageError, type PageOptions } from "./config";
import { createMenuBar } from "./menus";

type BoundText = Parameters<typeof ybinding>[0];

function editorServices() {
  const languages = new EditorLanguageRegistry();
  for (const language of EditorLanguageRegistry.getDefaultLanguages()) languages.addLanguage(language);
  const themes = new EditorThemeRegistry();
  for (const theme of EditorThemeRegistry.getDefaultThemes()) themes.addTheme(theme);
  const extensions = new EditorExtensionRegistry();
  for (const extension of EditorExtensionRegistry.getDefaultExtensions({ themes })) extensions.addExtension(extension);
  // The editor and the cell's shared model (what is run and saved) are one text.
  extensions.addExtension({
    name: "shared-model-binding",
    factory: (options) => {
      const shared = options.model.sharedModel as unknown as {
        ysource: BoundText["ytext"];
        undoManager: BoundText["undoManager"] | null;
      };
      return EditorExtensionRegistry.createImmutableExtension(
        ybinding({ ytext: shared.ysource, undoManager: shared.undoManager ?? undefined }),
      );
    },
  });
  return { factory: new CodeMirrorEditorFactory({ extensions, languages }), mimeTypes: new CodeMirrorMimeTypeService(languages) };
}

function header(o: PageOptions): Widget {
  const w = new Widget();
  w.id = "tl-header";
  const home = document.createElement("a");
  home.href = pageUrl(o, {});
  home.textContent = "threadlab";
  home.title = "All notebooks";
  const name = document.createElement("span");
  name.className = "tl-path";
  name.textContent = o.path ?? "";
  const state = document.createElement("span");
  state.className = "tl-save-state";
  w.node.append(home, name, state);
  return w;
}

/** Opens `o.path`; resolves with the panel once its content is loaded (the kernel starts on its own). */
export async function showNotebook(host: HTMLElement, services: ServiceManager.IManager, o: PageOptions): Promise<NotebookPanel> {
  const path = o.path!;
  try {
    const model = await services.contents.get(path, { content: false });
    if (model.type !== "notebook") throw new PageError(`'${path}' is not a notebook (the server says it is a ${model.type})`);
  } catch (e) {
    throw explain(e, `opening '${path}'`, o);
  }
  try {
    await services.ready;
  } catch (e) {
    throw explain(e, "connecting to the server's sessions and kernels", o);
  }

  setCellExecutor({ runCell });
  const dialogs = new SessionContextDialogs();
  const commands = new CommandRegistry();
  document.addEventListener("keydown", (event) => commands.processKeydownEvent(event), true);

  const rendermime = new RenderMimeRegistry({
    initialFactories: standardRendererFactories,
    markdownParser: { render: (source: string) => Promise.resolve(marked.parse(source, { async: false })) },
  });
  const editors = editorServices();
  const registry = new DocumentRegistry();
  registry.addModelFactory(new NotebookModelFactory({}));
  registry.addWidgetFactory(
    new NotebookWidgetFactory({
      name: "Notebook",
      modelName: "notebook",
      fileTypes: ["notebook"],
      defaultFor: ["notebook"],
      preferKernel: true,
      canStartKernel: true,
      autoStartDefault: false,
      shutdownOnClose: false,
      rendermime,
      contentFactory: new NotebookPanel.ContentFactory({ editorFactory: editors.factory.newInlineEditor }),
      mimeTypeService: editors.mimeTypes,
      // Every cell stays in the page (no virtual scrolling): outputs keep arriving in cells off screen.
      notebookConfig: { ...StaticNotebook.defaultNotebookConfig, windowingMode: "none" },
      toolbarFactory: toolbarFactory(commands, dialogs),
    }),
  );

  let panel: NotebookPanel | null = null;
  const layout = new BoxPanel({ direction: "top-to-bottom", spacing: 0 });
  layout.id = "tl-main";
  const top = header(o);
  const menus = createMenuBar(commands);
  BoxPanel.setStretch(top, 0);
  BoxPanel.setStretch(menus, 0);
  layout.addWidget(top);
  layout.addWidget(menus);
  const opener: IDocumentWidgetOpener = {
    get opened() {
      return opened;
    },
    open: (widget: IDocumentWidget) => {
      if (widget.isAttached) return;
      BoxPanel.setStretch(widget, 1);
      layout.addWidget(widget);
      widget.activate();
      opened.emit(widget);
    },
  };
  const opened = new Signal<IDocumentWidgetOpener, IDocumentWidget>(opener);
  const docManager = new DocumentManager({ registry, manager: services, opener, sessionDialogs: dialogs });
  Widget.attach(layout, host);
  window.addEventListener("resize", () => layout.update());

  addCommands(commands, () => panel, dialogs);
  addKeyBindings(commands);
  panel = (docManager.open(path, "Notebook", undefined, undefined, { name: o.kernel }) as NotebookPanel | undefined) ?? null;
  if (!panel) throw new PageError(`opening '${path}': JupyterLab has no notebook view for it`);
  const p = panel;
  try {
    await p.context.ready;
  } catch (e) {
    throw explain(e, `loading '${path}'`, o);
  }

  // The page's title and header say the notebook's name and whether it has unsaved changes;
  // the body says the kernel's status (what the execution indicator shows as a circle).
  const state = top.node.querySelector(".tl-save-state") as HTMLElement;
  const showState = () => {
    const dirty = p.context.model.dirty;
    document.title = `${dirty ? "● " : ""}${p.context.localPath.split("/").pop()} - threadlab`;
    state.textContent = dirty ? "unsaved changes" : "saved";
  };
  p.context.model.stateChanged.connect(showState);
  p.context.fileChanged.connect(showState);
  showState();
  const showStatus = () => {
    document.body.dataset.kernelStatus = p.sessionContext.kernelDisplayStatus;
    document.body.dataset.kernelName = p.sessionContext.kernelDisplayName;
    // Interrupt and restart are enabled while there is a kernel: the buttons and menus ask again.
    commands.notifyCommandChanged();
  };
  p.sessionContext.statusChanged.connect(showStatus);
  p.sessionContext.kernelChanged.connect(showStatus);
  p.sessionContext.connectionStatusChanged.connect(showStatus);
  showStatus();
  window.addEventListener("beforeunload", (event) => {
    if (p.context.model.dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  addCompletion(commands, p);
  p.content.activate();
  return p;
}
