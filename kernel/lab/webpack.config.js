/**
 * Bundles the JupyterLab notebook page (kernel/lab/*.ts) into dist/lab/: index.html,
 * threadlab-lab.js and the chunks it loads on demand (CodeMirror languages...).
 * npm install runs it (the prepare script); by hand: npm run build:lab.
 *
 * webpack is pinned to 5.99.9: 5.113.0 was seen to emit a bundle that fails in the browser
 * with "Cannot find module '@lumino/widgets'".
 */
"use strict";
const fs = require("fs");
const path = require("path");
const webpack = require("webpack");

const ROOT = path.resolve(__dirname, "..", "..");

/** Writes index.html beside the bundle. */
class PageHtml {
  apply(compiler) {
    compiler.hooks.thisCompilation.tap("PageHtml", (compilation) => {
      compilation.hooks.processAssets.tap(
        { name: "PageHtml", stage: webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL },
        () => {
          compilation.emitAsset("index.html", new webpack.sources.RawSource(fs.readFileSync(path.join(__dirname, "index.html"))));
        },
      );
    });
  }
}

module.exports = (_env, argv) => ({
  mode: argv.mode ?? "production",
  context: __dirname,
  entry: { "threadlab-lab": "./index.ts" },
  output: {
    path: path.join(ROOT, "dist", "lab"),
    filename: "[name].js",
    chunkFilename: "chunks/[name].[contenthash:8].js",
    assetModuleFilename: "assets/[name].[contenthash:8][ext]",
    publicPath: "auto",
    clean: true,
  },
  // Source maps cost build time and megabytes; the page is not debugged in production.
  devtool: false,
  bail: true,
  performance: { hints: false },
  // Minifying 10 MB takes most of a minute on a small machine; the page is served locally.
  optimization: { minimize: false },
  resolve: {
    extensions: [".ts", ".js"],
    // @jupyter/web-components (the toolbar's buttons) imports without file extensions.
    fullySpecified: false,
  },
  module: {
    rules: [
      { test: /\.ts$/, loader: "ts-loader", options: { transpileOnly: true, configFile: path.join(__dirname, "tsconfig.json") } },
      { test: /\.m?js$/, resolve: { fullySpecified: false } },
      { test: /\.css$/, use: ["style-loader", "css-loader"] },
      // Icons: a string in code (LabIcon), an inline data URI in style sheets.
      { test: /\.svg$/, issuer: /\.css$/, type: "asset/inline" },
      { test: /\.svg$/, issuer: { not: /\.css$/ }, type: "asset/source" },
      { test: /\.(png|jpe?g|gif|ttf|woff2?|eot)$/, type: "asset/resource" },
      { test: /\.md$/, type: "asset/source" },
    ],
  },
  plugins: [
    new PageHtml(),
    // Some packages read process.env / process.cwd() at load time.
    new webpack.DefinePlugin({ "process.env": "{}", "process.cwd": "(() => '/')" }),
  ],
  stats: "errors-warnings",
});
