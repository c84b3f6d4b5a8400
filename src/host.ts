/**
 * What a host that embeds threadlab plugs in — the Jupyter kernel is the one
 * host: where a thread's output goes (a cell), which extra names threads see
 * (the notebook's), what the main thread does while it blocks (an interrupt
 * ends the wait), and the shared ring that carries output to the host's I/O
 * thread. Not part of the public API.
 */
export { addResolver, addValueResolver, type Resolver, type Resolved, type Binding } from "./transport/resolve";
export { parseImports, type ImportedName } from "./transport/imports";
export { addMainWaitHook } from "./sync/wait";
export { dumpThreads } from "./thread/report";
export { setSinkChooser } from "./output/sinks";
export { cellSink } from "./output/cell-sink";
export { setMainPrint } from "./output/print";
export { setMainDisplay } from "./output/display";
export { patchWrite } from "./output/capture";
export { createRing, OutputRing } from "./output/ring";
export { setOutputRing, warm } from "./worker/pool";
export { isInternalFrame, PACKAGE_ROOT } from "./own-code";
export { sideRequire, writeSideModule } from "./transport/side-modules";
export { addScriptProvider, type KnownScript } from "./transport/scripts";
export { installStackMapping, mapStack, registerScriptMap, userPosition } from "./transport/stacks";
export type { DecodedMap, Mapping } from "./transport/source-map";
