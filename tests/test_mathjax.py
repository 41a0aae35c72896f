"""Every formula of a 49-generator Moodle and Canvas export, rendered with real MathJax under
Node.js: MathJax 2.7.9 as Moodle 4.5 loads it (mathjax-node 2.1.1; TeX with AMSmath and
AMSsymbols) and MathJax 3 (mathjax-full 3.2.2; TeX packages base and ams). A formula fails when
MathJax reports an error for it (undefined control sequence, \\tag in aligned, double
subscripts ...) or its MathML holds an <merror>. tests/mathjax/render.js does the rendering, all
formulas in one node process; `make install-test` installs node and the pinned npm packages."""

import html
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from test_lms import build, html_fields, qti

from qbank.core import registry

MATHJAX_DIR = Path(__file__).parent / "mathjax"
RENDER = MATHJAX_DIR / "render.js"
# what Moodle's tex2jax (and Canvas's MathJax) typesets in an HTML text: \( \), \[ \] and $$ $$
FORMULA = re.compile(r"\\\((?P<inline>.*?)\\\)|\\\[(?P<display>.*?)\\\]|\$\$(?P<dollars>.*?)\$\$", re.S)
ENGINES = {"mathjax2": "MathJax 2.7 (Moodle 4.5)", "mathjax3": "MathJax 3"}


def node_or_reason() -> tuple[str | None, str]:
    """The node executable, or why the MathJax check cannot run."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        return None, "node is not installed (`make install-test` installs nodejs and npm from apt)"
    for package in ("mathjax", "mathjax-node", "mathjax-full"):
        if not (MATHJAX_DIR / "node_modules" / package / "package.json").is_file():
            return None, f"tests/mathjax/node_modules/{package} is missing (run `make install-test`)"
    return node, ""


def render(formulas: list[tuple[str, bool]]) -> list[dict]:
    """Each formula's errors per engine (None: rendered cleanly), from one node process. Without
    node: a failure in CI (the CI variable set), a skip elsewhere, with the reason."""
    node, reason = node_or_reason()
    if node is None:
        if os.environ.get("CI"):
            pytest.fail(f"MathJax check cannot run: {reason}", pytrace=False)
        pytest.skip(reason)
    payload = json.dumps([{"tex": tex, "display": display} for tex, display in formulas])
    done = subprocess.run([node, str(RENDER)], input=payload, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"render.js failed: {done.stderr[-2000:]}"
    answer = json.loads(done.stdout)
    assert answer["versions"]["mathjax2"] == "2.7.9", answer["versions"]
    assert answer["versions"]["mathjax3"].startswith("3."), answer["versions"]
    assert len(answer["results"]) == len(formulas)
    return answer["results"]


def labelled_html(folder: Path) -> list[tuple[str, str]]:
    """(where, HTML) for every text an LMS renders as HTML, as test_lms.html_fields collects them:
    where names the question (its generator and seed) and the field."""
    texts = []
    moodle = etree.parse(str(folder / "moodle.xml")).getroot()
    for question in moodle.iter("question"):
        name = question.findtext("name/text") or question.get("type")
        for node in question.iter():
            if node.get("format") == "html":
                texts.append((f"moodle.xml {name!r} <{node.tag}>", node.findtext("text") or ""))
    for item in qti(folder).iter("{*}item", "item"):
        for node in item.iter("{*}mattext", "mattext"):
            if node.get("texttype") == "text/html":
                texts.append((f"canvas-qti.zip {item.get('title')!r}", node.text or ""))
    with zipfile.ZipFile(folder / "canvas-qti.zip") as archive:
        (meta,) = [n for n in archive.namelist() if n.endswith("assessment_meta.xml")]
        description = etree.fromstring(archive.read(meta)).findtext("{*}description") or ""
    texts.append(("canvas-qti.zip quiz description", description))
    assert sorted(text for _, text in texts) == sorted(html_fields(folder))  # the same texts, each named
    return texts


def formulas_of(texts: list[tuple[str, str]]) -> dict[tuple[str, bool], list[str]]:
    """{(formula, display): [where it is]}, each formula once."""
    found: dict[tuple[str, bool], list[str]] = {}
    for where, text in texts:
        for match in FORMULA.finditer(html.unescape(text)):
            inline = match.group("inline")
            formula = (inline, False) if inline is not None else (match.group("display") or match.group("dollars"), True)
            found.setdefault(formula, []).append(where)
    return found


def failures(found: dict[tuple[str, bool], list[str]]) -> list[str]:
    """One line per formula and engine that MathJax reports an error for."""
    formulas = list(found)
    lines = []
    for (tex, display), result in zip(formulas, render(formulas)):
        opening, closing = ("\\[", "\\]") if display else ("\\(", "\\)")
        where = found[(tex, display)]
        more = f" and {len(where) - 1} more" if len(where) > 1 else ""
        lines += [f"{ENGINES[engine]}: {error}\n    formula: {opening}{tex}{closing}\n    in {where[0]}{more}"
                  for engine, error in result.items() if error]
    return lines


@pytest.fixture(scope="module")
def every_generator(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("mathjax")
    questions = "".join(f"[[question]]\ngenerator = '{gen_id}'\npoints = 10\n" for gen_id in sorted(registry.registry()))
    (tmp / "all.toml").write_text("[exam]\ntitle = 'All'\nversions = 2\nseed = 31\ncalculator = true\n" + questions)
    return build(tmp, str(tmp / "all.toml"), "--format", "moodle,canvas")


def test_every_lms_formula_of_every_generator_renders_in_mathjax_2_and_3(every_generator):
    """All 49 generators, 2 versions, to Moodle XML and Canvas QTI: every formula of every HTML
    field (statements, prompts, field labels, feedback) renders without error in both."""
    texts = labelled_html(every_generator)
    found = formulas_of(texts)
    assert sum(map(len, found.values())) > 4000 and len(registry.registry()) == 49
    bad = failures(found)
    assert not bad, f"{len(bad)} formula renderings fail:\n" + "\n".join(bad[:40])
    # a delimiter without its partner is no formula to MathJax: the student reads the source
    for where, text in texts:
        rest = FORMULA.sub("", html.unescape(text))
        stray = re.search(r"\\[()[\]]|\$\$", rest)
        assert not stray, f"unpaired {stray.group(0)} in {where}: {rest[max(0, stray.start() - 80):stray.end() + 80]!r}"


# what a student sees as red source in Moodle (noErrors, noUndefined) or as an error box elsewhere
BROKEN = {
    r"\mathbb{E}[y] = (-3,\ \allowbreak -10)": "Undefined control sequence \\allowbreak",
    r"\begin{aligned} a &= b \tag{1} \\ c &= d \end{aligned}": "\\tag not allowed in aligned environment",
    r"\partial L/\partial W_2_{1,1}": "Double subscripts",
    r"\frac{1}{2": "Missing close brace",
    r"\cancel{x}": "Undefined control sequence \\cancel",  # mathjax-node's autoload-all, not in Moodle
}
# the constructs the generators rely on
SOUND = (r"\begin{aligned} y &= \operatorname{softmax}(x) \qquad(1) \\ \lVert w \rVert_2 &\le \mathbb{E}[x]"
         r"\end{aligned}", r"\left(\frac{1}{2}\right)^{\top} \odot \tilde{h}_{t-1} \in \{0, \dots, n\}")


def test_the_check_reports_every_error_mathjax_renders_and_nothing_else():
    """The check fails where a student would see red source (errors are looked for, not assumed
    absent: MathJax writes them into its output instead of throwing), once per engine, and passes
    what qbank writes: a check that failed everything, or nothing, would be no check."""
    found = {(tex, True): [f"broken {n}"] for n, tex in enumerate(BROKEN)}
    found |= {(tex, False): [f"sound {n}"] for n, tex in enumerate(SOUND)}
    bad = failures(found)
    for n, (tex, error) in enumerate(BROKEN.items()):
        reported = [line for line in bad if line.endswith(f"in broken {n}")]
        assert len(reported) == 2 and all(error in line for line in reported), (tex, reported)
    assert not [line for line in bad if "in sound" in line], bad
