/** JupyterLab's light theme and the notebook's styles (each package's index.css brings its dependencies'). */
import "@jupyterlab/theme-light-extension/style/theme.css";
import "@jupyterlab/notebook/style/index.css";
import "@jupyterlab/docmanager/style/index.css";
import "@jupyterlab/completer/style/index.css";
import "./style.css";
