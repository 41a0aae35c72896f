# `make exam` and `make test` set everything up on a fresh Debian machine:
# TeX Live and poppler from apt when missing, then qbank (editable) with pip.
PYTHON ?= python3
PIP := $(PYTHON) -m pip
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TEX_PACKAGES := texlive-latex-base texlive-latex-recommended texlive-latex-extra \
                texlive-fonts-recommended lmodern poppler-utils
# What a build needs from TeX Live and poppler; a partial TeX install is repaired too.
TEX_FILES := article.cls amsmath.sty lastpage.sty fancyhdr.sty pdfpages.sty geometry.sty lmodern.sty

.PHONY: exam test tex bench clean

exam: tex .make/installed
	$(PYTHON) -m qbank build exam

test: tex .make/installed-test
	$(PYTHON) -m pytest

tex:
	@if ! command -v pdflatex >/dev/null || ! command -v pdftotext >/dev/null || ! command -v pdftoppm >/dev/null \
	    || ! kpsewhich $(TEX_FILES) | wc -l | grep -qx "$(words $(TEX_FILES))"; then \
	  echo "Installing TeX Live and poppler-utils from Debian packages..."; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(TEX_PACKAGES); \
	fi

.make/installed: setup.cfg pyproject.toml
	$(PIP) install -q -e .
	@mkdir -p .make && touch $@

# torch is pinned in the test extra (2.13.0, CPU wheel); a looser pin pulls CUDA builds.
.make/installed-test: setup.cfg pyproject.toml
	$(PIP) install -q -e '.[test]'
	@mkdir -p .make && touch $@ .make/installed

bench: .make/installed
	$(PYTHON) benchmarks/generation.py

clean:
	rm -rf .make build *.egg-info .pytest_cache .hypothesis
