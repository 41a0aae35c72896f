/*
 * A MathJax 2 extension that render.js loads: the TeX macros of MathJax 2.7.9 as Moodle 4.5
 * configures it, not more. mathjax-node always loads TeX/autoload-all.js, which makes \cancel,
 * \ce, \textcolor, \enclose, \begin{CD} ... load on first use; Moodle's configuration (config
 * Accessible.js: TeX extensions AMSmath, AMSsymbols, noErrors, noUndefined) has none of them, so
 * there they are undefined control sequences. This takes autoload-all's additions out again.
 */
MathJax.Extension["qbank-moodle-tex"] = {version: "1.0"};

MathJax.Hub.Register.StartupHook("TeX autoload-all Ready", function () {
  var TEX = MathJax.InputJax.TeX.Definitions;
  // autoload-all's list less AMSmath, which Moodle loads (and so autoload-all skips)
  var added = ["action", "begingroup", "cancel", "color", "enclose", "extpfeil", "mhchem", "AMScd"];
  function autoloaded(definition, at) {
    return Array.isArray(definition) && added.indexOf(definition[at]) >= 0;
  }
  Object.keys(TEX.macros).forEach(function (name) {
    if (autoloaded(TEX.macros[name], 1)) delete TEX.macros[name];
  });
  Object.keys(TEX.environment).forEach(function (name) {
    if (autoloaded(TEX.environment[name], 2)) delete TEX.environment[name];
  });
  TEX.macros.color = "Color";  // the core TeX input's \color, which autoload-all replaced
});

MathJax.Ajax.loadComplete("[qbank]/moodle-tex.js");
