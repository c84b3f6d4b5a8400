/**
 * Tab completion from the kernel (complete_request), in JupyterLab's completer widget: Tab after
 * a name in a code cell opens the list, Enter or a click inserts the choice, Escape closes it.
 */
import {
  Completer,
  CompleterModel,
  CompletionHandler,
  KernelCompleterProvider,
  ProviderReconciliator,
} from "@jupyterlab/completer";
import type { NotebookPanel } from "@jupyterlab/notebook";
import type { CommandRegistry } from "@lumino/commands";
import { Widget } from "@lumino/widgets";

export const COMPLETE = { invoke: "completer:invoke-notebook", select: "completer:select-notebook" } as const;

export function addCompletion(commands: CommandRegistry, panel: NotebookPanel): void {
  const completer = new Completer({ model: new CompleterModel(), showDoc: true });
  completer.hide();
  Widget.attach(completer, document.body);
  const provider = new KernelCompleterProvider();
  let handler: CompletionHandler | null = null;

  // The completions come from the kernel of the moment, for the editor of the active cell.
  const follow = () => {
    const cell = panel.content.activeCell;
    const reconciliator = new ProviderReconciliator({
      context: { widget: panel, editor: cell?.editor ?? null, session: panel.sessionContext.session },
      providers: [provider],
      timeout: 3000,
    });
    if (handler) handler.reconciliator = reconciliator;
    else handler = new CompletionHandler({ completer, reconciliator });
    handler.editor = cell?.editor ?? null;
  };
  panel.content.activeCellChanged.connect((_n, cell) => void cell?.ready.then(follow));
  panel.sessionContext.sessionChanged.connect(follow);
  panel.sessionContext.kernelChanged.connect(follow);
  follow();

  commands.addCommand(COMPLETE.invoke, {
    label: "Show Completions",
    execute: () => {
      if (panel.content.activeCell?.model.type === "code") handler?.invoke();
    },
  });
  commands.addCommand(COMPLETE.select, {
    label: "Insert the Selected Completion",
    execute: () => handler?.completer.selectActive(),
  });
  // The handler marks the editor "completer-enabled" when the cursor follows a name.
  commands.addKeyBinding({
    selector: ".jp-Notebook.jp-mod-editMode .jp-mod-completer-enabled",
    keys: ["Tab"],
    command: COMPLETE.invoke,
  });
  commands.addKeyBinding({ selector: ".jp-mod-completer-active", keys: ["Enter"], command: COMPLETE.select });
}
