# `make exam` and `make test` set everything up on a stock Debian or Ubuntu that has git, make and
# python3: TeX Live and poppler from apt when missing, python3.X-venv from apt when `python3 -m venv`
# cannot work, then qbank into the project's virtual environment .venv. Nothing is ever installed
# into the system Python (PEP 668). PYTHON picks the interpreter the venv is made from. `make test`
# also needs Node.js (nodejs and npm from apt when missing) for MathJax, tests/mathjax; `make exam`
# does not.
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends
# LuaLaTeX and the Noto fonts print names in any script (Greek, Cyrillic, CJK, Arabic, Hebrew ...).
TEX_PACKAGES := texlive-latex-base texlive-latex-recommended texlive-latex-extra \
                texlive-fonts-recommended lmodern poppler-utils \
                texlive-luatex fonts-lmodern fonts-noto-core fonts-noto-cjk fontconfig
# What a build needs from TeX Live, the fonts and poppler; a partial install is repaired too.
TEX_FILES := article.cls amsmath.sty pict2e.sty needspace.sty pdfpages.sty geometry.sty lmodern.sty \
             fontspec.sty luaotfload.sty lmroman10-regular.otf
FONT_FILES := NotoSerif-Regular.ttf NotoNaskhArabic-Regular.ttf NotoSerifHebrew-Regular.ttf NotoSerifCJK-Regular.ttc
# An install is redone when the interpreter, the dependency files or the extra change.
DEPENDENCY_FILES := setup.cfg pyproject.toml

.PHONY: exam test tex node venv install install-test bench clean

exam: tex install
	$(VPY) -m qbank build exam

# lint-imports first: an upward import between the wings (setup.cfg [importlinter]) fails the run.
test: tex install-test
	$(VENV)/bin/lint-imports
	$(VPY) -m pytest

tex:
	@missing=; \
	for cmd in pdflatex lualatex pdftotext pdftoppm fc-list; do command -v $$cmd >/dev/null || missing=1; done; \
	[ -n "$$missing" ] || kpsewhich $(TEX_FILES) | wc -l | grep -qx "$(words $(TEX_FILES))" || missing=1; \
	fonts="$$(fc-list --format '%{file}\n' 2>/dev/null)"; \
	for font in $(FONT_FILES); do printf '%s\n' "$$fonts" | grep -q "/$$font$$" || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing TeX Live, LuaLaTeX, the Noto fonts and poppler-utils from Debian packages..."; \
	  $(APT_INSTALL) $(TEX_PACKAGES); \
	fi
	@# luaotfload caches each font on first use: fill the cache once here, not from parallel builds
	@tmp=$$(mktemp -d) && cp docs/fonts-warmup.tex $$tmp/ && (cd $$tmp && lualatex -interaction=nonstopmode \
	  -halt-on-error fonts-warmup.tex >/dev/null) || echo "make: warning: LuaLaTeX could not load the Noto fonts"; \
	rm -rf $$tmp

# The venv is remade (--clear) when it is missing, broken (no pip: venv failed half-way) or was made
# from another interpreter than PYTHON. qbank needs Python 3.11+: where python3 is older (Ubuntu
# 22.04), python3.11 from apt makes the venv instead.
venv:
	@py=$(PYTHON); given=$(if $(filter file default,$(origin PYTHON)),,yes); what=; \
	if [ -n "$$given" ]; then \
	  case "$$py" in \
	    */*) if [ ! -e "$$py" ]; then what="does not exist"; elif [ ! -x "$$py" ]; then what="is not executable"; fi ;; \
	    *) command -v "$$py" >/dev/null 2>&1 || what="is not a command on PATH" ;; \
	  esac; \
	  if [ -n "$$what" ]; then \
	    echo "make: PYTHON=$(PYTHON) $$what (Makefile, venv target); pass the path of a Python 3.11 or newer, e.g. make PYTHON=/usr/bin/python3.11" >&2; exit 2; fi; \
	fi; \
	if ! $$py -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
	  if [ -n "$$given" ]; then \
	    echo "make: PYTHON=$(PYTHON) is not a Python 3.11 or newer (Makefile, venv target); pass one that is, e.g. make PYTHON=/usr/bin/python3.11" >&2; exit 2; fi; \
	  command -v python3.11 >/dev/null || { echo "Installing python3.11 from apt (qbank needs Python 3.11+)..."; \
	    $(APT_INSTALL) python3.11 python3.11-venv; }; \
	  py=python3.11; \
	fi; \
	want="$$($$py -c 'import sys; print(sys.version.split()[0], sys.base_prefix)')"; \
	if [ "$$(cat $(VENV)/.qbank-python 2>/dev/null)" != "$$want" ] || ! $(VPY) -m pip --version >/dev/null 2>&1; then \
	  if ! $$py -c 'import ensurepip, venv' 2>/dev/null; then \
	    pkg="python$$($$py -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv"; \
	    echo "Installing $$pkg from apt so that $$py can make a virtual environment..."; \
	    $(APT_INSTALL) $$pkg; \
	  fi; \
	  echo "Making the project virtual environment $(VENV) with $$py ($$want)"; \
	  $$py -m venv --clear $(VENV) && echo "$$want" > $(VENV)/.qbank-python; \
	fi

# Editable in compat mode (a path entry, not an import hook), so `python -m qbank` finds the real
# package even from a folder that holds a directory named qbank, such as the clone's parent.
install: venv
	@$(MAKE) --no-print-directory .marker EXTRA=

# torch is pinned in the test extra (2.13.0, CPU wheel); a looser pin pulls CUDA builds.
install-test: venv node
	@$(MAKE) --no-print-directory .marker EXTRA='[test]'
	@want="$$(node --version) $$(cat $(MATHJAX)/package.json $(MATHJAX)/package-lock.json | sha256sum | cut -c1-16)"; \
	if [ "$$(cat $(MATHJAX_MARKER) 2>/dev/null)" != "$$want" ]; then \
	  echo "Installing MathJax 2.7.9 and 3 into $(MATHJAX)/node_modules (npm ci, the versions of package-lock.json)..."; \
	  npm ci --prefix $(MATHJAX) --prefer-offline --no-audit --no-fund --loglevel=error \
	    && echo "$$want" > $(MATHJAX_MARKER); \
	fi

# tests/test_mathjax.py renders every formula of the LMS exports with MathJax under Node.js.
MATHJAX := tests/mathjax
MATHJAX_MARKER := $(MATHJAX)/node_modules/.qbank-installed
node:
	@missing=; \
	command -v node >/dev/null || missing=nodejs; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing$$(printf ' %s' $$missing) from Debian packages (MathJax for make test)..."; \
	  $(APT_INSTALL) $$missing; \
	fi

# The marker holds one line per extra installed for this interpreter and these dependency files;
# an install with an extra also satisfies the plain install.
MARKER := $(VENV)/.qbank-installed
.PHONY: .marker
.marker:
	@want="$$(cat $(VENV)/.qbank-python) $$(cat $(DEPENDENCY_FILES) | sha256sum | cut -c1-16)"; \
	if ! grep -qxF "$$want $(EXTRA)" $(MARKER) 2>/dev/null; then \
	  echo "Installing qbank$(EXTRA) into $(VENV)..."; \
	  $(VPY) -m pip install -q -e ".$(EXTRA)" --config-settings editable_mode=compat \
	    && printf '%s\n' "$$want " "$$want $(EXTRA)" | sort -u > $(MARKER); \
	fi

bench: install
	$(VPY) benchmarks/speed.py

clean:
	rm -rf $(VENV) .make build *.egg-info .pytest_cache .hypothesis $(MATHJAX)/node_modules
