/**
 * The project's JupyterLab notebook page (kernel/lab/, served by Debian's jupyter_server) in
 * headless Chromium, with the threadlab kernel: see scenarios.ts for what is checked.
 */
import { frontEndSuite } from "./scenarios";

frontEndSuite("jupyterlab", "JupyterLab notebook page in a browser");
