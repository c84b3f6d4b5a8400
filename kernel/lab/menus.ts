/** The menu bar: File, Edit, Run and Kernel, as in JupyterLab, over the same commands. */
import type { CommandRegistry } from "@lumino/commands";
import { Menu, MenuBar } from "@lumino/widgets";
import { ID } from "./commands";

export function createMenuBar(commands: CommandRegistry): MenuBar {
  const bar = new MenuBar();
  bar.id = "tl-menubar";
  const menu = (title: string, items: Array<string | null>) => {
    const m = new Menu({ commands });
    m.title.label = title;
    m.node.dataset.menu = title.toLowerCase();
    for (const command of items) m.addItem(command ? { command } : { type: "separator" });
    bar.addMenu(m);
  };
  menu("File", [ID.save]);
  menu("Edit", [
    ID.undo,
    ID.redo,
    null,
    ID.cut,
    ID.copy,
    ID.paste,
    ID.deleteCells,
    null,
    ID.insertAbove,
    ID.insertBelow,
    ID.merge,
    ID.split,
    null,
    ID.clearAll,
  ]);
  menu("Run", [ID.runAndAdvance, ID.run, ID.runAndInsert, null, ID.runAbove, ID.runBelow, ID.runAll, null, ID.restartRunAll]);
  menu("Kernel", [ID.interrupt, ID.restart, ID.restartClear, ID.restartRunAll]);
  return bar;
}
