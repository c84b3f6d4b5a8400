/**
 * The classic Notebook 6.4 (Debian's jupyter-notebook) in headless Chromium, with the threadlab
 * kernel: see scenarios.ts for what is checked.
 */
import { frontEndSuite } from "./scenarios";

frontEndSuite("notebook", "classic Notebook 6.4 in a browser");
