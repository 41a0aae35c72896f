#!/usr/bin/env node
/*
 * Renders TeX formulas with MathJax 2.7.9 (through mathjax-node, as Moodle 4.5 configures it) and
 * MathJax 3 (mathjax-full) in one process, and says for each whether MathJax reports an error.
 *
 *   node render.js [FILE]     FILE (or stdin): JSON [{"tex": "...", "display": false}, ...]
 *
 * Writes JSON to stdout: {"versions": {"mathjax2": ..., "mathjax3": ...},
 *   "results": [{"mathjax2": null or "message", "mathjax3": null or "message"}, ...]} in input order.
 *
 * Errors are looked for, never assumed absent: MathJax renders a TeX error into its output (an
 * <merror>, or with noErrors the source, with noUndefined a red macro name) instead of failing.
 * Both versions run without noErrors and noUndefined, so a parse error is reported as one, and
 * the MathML of every formula is searched for <merror> and for noUndefined's red text as well.
 * Every formula goes through the HTML output too (CommonHTML, CHTML), so an output error counts.
 * TeX: Moodle's extensions (AMSmath, AMSsymbols, the Safe extension; moodle-tex.js takes out what
 * mathjax-node's autoload-all adds); for MathJax 3 the packages base and ams.
 */
"use strict";

const fs = require("fs");
const path = require("path");

const ERROR_MARKS = [/<merror\b/, /<mtext[^>]*mathcolor="red"/];  // noUndefined marks its macro so

function marked(mml) {
  return ERROR_MARKS.some((mark) => mark.test(mml)) ? `error in output: ${mml.replace(/\s+/g, " ")}` : null;
}

async function mathjax2(formulas) {
  const mjAPI = require("mathjax-node");
  mjAPI.config({
    displayMessages: false,
    displayErrors: false,
    undefinedCharError: false,
    paths: {qbank: require("url").pathToFileURL(__dirname).href},
    extensions: "Safe,[qbank]/moodle-tex",
    MathJax: {TeX: {noErrors: {disabled: true}, noUndefined: {disabled: true}}},
  });
  mjAPI.start();
  const results = [];
  for (const {tex, display} of formulas) {
    try {
      const out = await mjAPI.typeset({math: tex, format: display ? "TeX" : "inline-TeX", mml: true, html: true});
      results.push(out.errors ? out.errors.join("; ") : marked(out.mml || ""));
    } catch (errors) {
      results.push([].concat(errors).map(String).join("; "));
    }
  }
  return results;
}

function mathjax3(formulas) {
  const {mathjax} = require("mathjax-full/js/mathjax.js");
  const {TeX} = require("mathjax-full/js/input/tex.js");
  const {liteAdaptor} = require("mathjax-full/js/adaptors/liteAdaptor.js");
  const {RegisterHTMLHandler} = require("mathjax-full/js/handlers/html.js");
  const {SerializedMmlVisitor} = require("mathjax-full/js/core/MmlTree/SerializedMmlVisitor.js");
  const {CHTML} = require("mathjax-full/js/output/chtml.js");
  const {STATE} = require("mathjax-full/js/core/MathItem.js");
  require("mathjax-full/js/input/tex/base/BaseConfiguration.js");
  require("mathjax-full/js/input/tex/ams/AmsConfiguration.js");

  const adaptor = liteAdaptor();
  RegisterHTMLHandler(adaptor);
  let thrown = null;
  const tex = new TeX({
    packages: ["base", "ams"],
    formatError: (jax, err) => { thrown = err; return jax.formatError(err); },
  });
  const document = mathjax.document("", {InputJax: tex, OutputJax: new CHTML({fontURL: "fonts"})});
  const visitor = new SerializedMmlVisitor();
  return formulas.map(({tex: math, display}) => {
    thrown = null;
    try {
      // document.convert(), keeping the MathItem: through the HTML output, as a page typesets it
      const item = new document.options.MathItem(math, tex, display);
      item.start.node = adaptor.body(document.document);
      item.setMetrics(16, 8, 1000000, 1000000, 1);
      item.convert(document, STATE.LAST);
      if (thrown) return `TeX parse error: ${thrown.message}`;
      return marked(visitor.visitTree(item.root));
    } catch (err) {
      return String(err && err.message || err);
    }
  });
}

function version(name) {
  return JSON.parse(fs.readFileSync(path.join(__dirname, "node_modules", name, "package.json"), "utf8")).version;
}

async function main() {
  const source = process.argv[2] ? fs.readFileSync(process.argv[2], "utf8") : fs.readFileSync(0, "utf8");
  const formulas = JSON.parse(source);
  const v3 = mathjax3(formulas);
  const v2 = await mathjax2(formulas);
  process.stdout.write(JSON.stringify({
    versions: {mathjax2: version("mathjax"), "mathjax-node": version("mathjax-node"), mathjax3: version("mathjax-full")},
    results: formulas.map((_, i) => ({mathjax2: v2[i], mathjax3: v3[i]})),
  }) + "\n", () => process.exit(0));  // exit once written (a pipe is written asynchronously):
  // mathjax-node keeps its jsdom window alive
}

main().catch((err) => { process.stderr.write(String(err && err.stack || err) + "\n"); process.exit(2); });
