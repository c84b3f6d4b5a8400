/** Style sheets are bundled by webpack (style-loader puts them in the page). */
declare module "*.css";
