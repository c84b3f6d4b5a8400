/**
 * The notebook's commands (JupyterLab's own command ids), their keyboard shortcuts (JupyterLab's
 * defaults) and the toolbar built from them.
 */
import { Toolbar, type ISessionContextDialogs } from "@jupyterlab/apputils";
import type { DocumentRegistry } from "@jupyterlab/docregistry";
import { ExecutionIndicator, NotebookActions, ToolbarItems, type NotebookPanel } from "@jupyterlab/notebook";
import {
  addIcon,
  CommandToolbarButton,
  copyIcon,
  cutIcon,
  fastForwardIcon,
  pasteIcon,
  refreshIcon,
  runIcon,
  saveIcon,
  stopIcon,
  type LabIcon,
} from "@jupyterlab/ui-components";
import { CommandRegistry } from "@lumino/commands";

export const ID = {
  save: "notebook:save",
  runAndAdvance: "notebook:run-cell-and-select-next",
  run: "notebook:run-cell",
  runAndInsert: "notebook:run-cell-and-insert-below",
  runAll: "notebook:run-all-cells",
  runAbove: "notebook:run-all-above",
  runBelow: "notebook:run-all-below",
  interrupt: "notebook:interrupt-kernel",
  restart: "notebook:restart-kernel",
  restartRunAll: "notebook:restart-run-all",
  restartClear: "notebook:restart-clear-output",
  clearAll: "notebook:clear-all-cell-outputs",
  insertAbove: "notebook:insert-cell-above",
  insertBelow: "notebook:insert-cell-below",
  deleteCells: "notebook:delete-cell",
  cut: "notebook:cut-cell",
  copy: "notebook:copy-cell",
  paste: "notebook:paste-cell-below",
  undo: "notebook:undo-cell-action",
  redo: "notebook:redo-cell-action",
  toCode: "notebook:change-cell-to-code",
  toMarkdown: "notebook:change-cell-to-markdown",
  editMode: "notebook:enter-edit-mode",
  commandMode: "notebook:enter-command-mode",
  selectAbove: "notebook:move-cursor-up",
  selectBelow: "notebook:move-cursor-down",
  extendAbove: "notebook:extend-marked-cells-above",
  extendBelow: "notebook:extend-marked-cells-below",
  merge: "notebook:merge-cells",
  split: "notebook:split-cell-at-cursor",
} as const;

interface Spec {
  label: string;
  icon?: LabIcon;
  execute: (panel: NotebookPanel) => unknown;
  /** Only while a kernel is there. */
  needsKernel?: boolean;
}

export function addCommands(
  commands: CommandRegistry,
  current: () => NotebookPanel | null,
  dialogs: ISessionContextDialogs,
): void {
  const nb = (p: NotebookPanel) => p.content;
  const ctx = (p: NotebookPanel) => p.sessionContext;
  const specs: Record<string, Spec> = {
    [ID.save]: { label: "Save Notebook", icon: saveIcon, execute: (p) => p.context.save() },
    [ID.runAndAdvance]: {
      label: "Run Selected Cell and Select Next",
      icon: runIcon,
      execute: (p) => NotebookActions.runAndAdvance(nb(p), ctx(p), dialogs),
    },
    [ID.run]: { label: "Run Selected Cell and Do not Advance", execute: (p) => NotebookActions.run(nb(p), ctx(p), dialogs) },
    [ID.runAndInsert]: {
      label: "Run Selected Cell and Insert Below",
      execute: (p) => NotebookActions.runAndInsert(nb(p), ctx(p), dialogs),
    },
    [ID.runAll]: { label: "Run All Cells", execute: (p) => NotebookActions.runAll(nb(p), ctx(p), dialogs) },
    [ID.runAbove]: { label: "Run All Above Selected Cell", execute: (p) => NotebookActions.runAllAbove(nb(p), ctx(p), dialogs) },
    [ID.runBelow]: {
      label: "Run Selected Cell and All Below",
      execute: (p) => NotebookActions.runAllBelow(nb(p), ctx(p), dialogs),
    },
    [ID.interrupt]: {
      label: "Interrupt the Kernel",
      icon: stopIcon,
      needsKernel: true,
      execute: (p) => ctx(p).session?.kernel?.interrupt(),
    },
    [ID.restart]: { label: "Restart the Kernel…", icon: refreshIcon, needsKernel: true, execute: (p) => dialogs.restart(ctx(p)) },
    [ID.restartRunAll]: {
      label: "Restart the Kernel and Run All Cells…",
      icon: fastForwardIcon,
      needsKernel: true,
      execute: async (p) => {
        if (await dialogs.restart(ctx(p))) await NotebookActions.runAll(nb(p), ctx(p), dialogs);
      },
    },
    [ID.restartClear]: {
      label: "Restart the Kernel and Clear Outputs of All Cells…",
      needsKernel: true,
      execute: async (p) => {
        if (await dialogs.restart(ctx(p))) NotebookActions.clearAllOutputs(nb(p));
      },
    },
    [ID.clearAll]: { label: "Clear Outputs of All Cells", execute: (p) => NotebookActions.clearAllOutputs(nb(p)) },
    [ID.insertAbove]: { label: "Insert Cell Above", execute: (p) => NotebookActions.insertAbove(nb(p)) },
    [ID.insertBelow]: { label: "Insert Cell Below", icon: addIcon, execute: (p) => NotebookActions.insertBelow(nb(p)) },
    [ID.deleteCells]: { label: "Delete Cells", execute: (p) => NotebookActions.deleteCells(nb(p)) },
    [ID.cut]: { label: "Cut Cells", icon: cutIcon, execute: (p) => NotebookActions.cut(nb(p)) },
    [ID.copy]: { label: "Copy Cells", icon: copyIcon, execute: (p) => NotebookActions.copy(nb(p)) },
    [ID.paste]: { label: "Paste Cells Below", icon: pasteIcon, execute: (p) => NotebookActions.paste(nb(p), "below") },
    [ID.undo]: { label: "Undo Cell Operation", execute: (p) => NotebookActions.undo(nb(p)) },
    [ID.redo]: { label: "Redo Cell Operation", execute: (p) => NotebookActions.redo(nb(p)) },
    [ID.toCode]: { label: "Change to Code Cell Type", execute: (p) => NotebookActions.changeCellType(nb(p), "code") },
    [ID.toMarkdown]: { label: "Change to Markdown Cell Type", execute: (p) => NotebookActions.changeCellType(nb(p), "markdown") },
    [ID.editMode]: { label: "Enter Edit Mode", execute: (p) => (nb(p).mode = "edit") },
    [ID.commandMode]: { label: "Enter Command Mode", execute: (p) => (nb(p).mode = "command") },
    [ID.selectAbove]: { label: "Select Cell Above", execute: (p) => NotebookActions.selectAbove(nb(p)) },
    [ID.selectBelow]: { label: "Select Cell Below", execute: (p) => NotebookActions.selectBelow(nb(p)) },
    [ID.extendAbove]: { label: "Extend Selection Above", execute: (p) => NotebookActions.extendSelectionAbove(nb(p)) },
    [ID.extendBelow]: { label: "Extend Selection Below", execute: (p) => NotebookActions.extendSelectionBelow(nb(p)) },
    [ID.merge]: { label: "Merge Selected Cells", execute: (p) => NotebookActions.mergeCells(nb(p)) },
    [ID.split]: { label: "Split Cell", execute: (p) => NotebookActions.splitCell(nb(p)) },
  };
  for (const [id, s] of Object.entries(specs)) {
    commands.addCommand(id, {
      label: s.label,
      caption: s.label,
      icon: s.icon,
      isEnabled: () => {
        const p = current();
        return !!p && (!s.needsKernel || !!p.sessionContext.session?.kernel);
      },
      execute: () => {
        const p = current();
        return p ? s.execute(p) : undefined;
      },
    });
  }
}

/** JupyterLab's default shortcuts for these commands. */
export function addKeyBindings(commands: CommandRegistry): void {
  const anywhere = ".jp-Notebook";
  const edit = ".jp-Notebook.jp-mod-editMode";
  // Command mode: focus on the notebook or a cell, not in an editor.
  const commandTargets = [".jp-Notebook.jp-mod-commandMode:focus", ".jp-Notebook.jp-mod-commandMode :focus:not(:read-write)"];
  const bindings: Array<[string | string[], string[], string]> = [
    [anywhere, ["Shift Enter"], ID.runAndAdvance],
    [anywhere, ["Accel Enter"], ID.run],
    [anywhere, ["Alt Enter"], ID.runAndInsert],
    [anywhere, ["Accel S"], ID.save],
    [edit, ["Escape"], ID.commandMode],
    [edit, ["Ctrl M"], ID.commandMode],
    [edit, ["Ctrl Shift -"], ID.split],
    [commandTargets, ["Enter"], ID.editMode],
    [commandTargets, ["I", "I"], ID.interrupt],
    [commandTargets, ["0", "0"], ID.restart],
    [commandTargets, ["A"], ID.insertAbove],
    [commandTargets, ["B"], ID.insertBelow],
    [commandTargets, ["D", "D"], ID.deleteCells],
    [commandTargets, ["X"], ID.cut],
    [commandTargets, ["C"], ID.copy],
    [commandTargets, ["V"], ID.paste],
    [commandTargets, ["Z"], ID.undo],
    [commandTargets, ["Shift Z"], ID.redo],
    [commandTargets, ["Y"], ID.toCode],
    [commandTargets, ["M"], ID.toMarkdown],
    [commandTargets, ["J"], ID.selectBelow],
    [commandTargets, ["ArrowDown"], ID.selectBelow],
    [commandTargets, ["K"], ID.selectAbove],
    [commandTargets, ["ArrowUp"], ID.selectAbove],
    [commandTargets, ["Shift J"], ID.extendBelow],
    [commandTargets, ["Shift ArrowDown"], ID.extendBelow],
    [commandTargets, ["Shift K"], ID.extendAbove],
    [commandTargets, ["Shift ArrowUp"], ID.extendAbove],
    [commandTargets, ["Shift M"], ID.merge],
  ];
  for (const [selectors, keys, command] of bindings) {
    for (const selector of Array.isArray(selectors) ? selectors : [selectors])
      commands.addKeyBinding({ selector, keys, command });
  }
}

/** The notebook toolbar: JupyterLab's buttons, plus Run All, the kernel's name and its status. */
export function toolbarFactory(commands: CommandRegistry, dialogs: ISessionContextDialogs) {
  const button = (id: string, label = "") => new CommandToolbarButton({ commands, id, label });
  return (panel: NotebookPanel): DocumentRegistry.IToolbarItem[] => [
    { name: "save", widget: button(ID.save) },
    { name: "insert", widget: button(ID.insertBelow) },
    { name: "cut", widget: button(ID.cut) },
    { name: "copy", widget: button(ID.copy) },
    { name: "paste", widget: button(ID.paste) },
    { name: "run", widget: button(ID.runAndAdvance) },
    { name: "interrupt", widget: button(ID.interrupt) },
    { name: "restart", widget: button(ID.restart) },
    { name: "restart-and-run", widget: button(ID.restartRunAll) },
    { name: "run-all", widget: button(ID.runAll, "Run All") },
    { name: "cellType", widget: ToolbarItems.createCellTypeItem(panel) },
    { name: "spacer", widget: Toolbar.createSpacerItem() },
    { name: "kernelName", widget: Toolbar.createKernelNameItem(panel.sessionContext, dialogs) },
    { name: "executionProgress", widget: ExecutionIndicator.createExecutionIndicatorItem(panel) },
  ];
}
