"""The Unicode of LaTeX's symbols, scripts, accents and fonts, for plain text (qbank.core.plaindoc
turns statements, solutions and answer labels into it): Greek letters and operators, the sub-
and superscript forms Unicode has, combining accents, the font commands whose argument is text.
"""

from __future__ import annotations

SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "ϕ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    "partial": "∂", "nabla": "∇", "infty": "∞", "cdot": "·", "times": "×", "odot": "⊙", "otimes": "⊗",
    "sum": "∑", "prod": "∏", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "neq": "≠", "approx": "≈",
    "to": "→", "rightarrow": "→", "in": "∈", "top": "⊤", "prime": "′", "ell": "ℓ", "dots": "…",
    "ldots": "…", "cdots": "⋯", "|": "‖", "Vert": "‖", "vert": "|", "mid": "|", "pm": "±", "%": "%",
    "&": "&", "#": "#", "_": "_", "{": "{", "}": "}",
}
SPACES = {",": " ", ";": " ", ":": " ", " ": " ", "quad": " ", "qquad": " ", "!": "", "allowbreak": ""}
FONTS = ("text", "textrm", "textnormal", "mathrm", "mathit", "mathbf", "mathsf", "mathtt", "operatorname",
         "boldsymbol", "bm", "textbf", "textit", "emph")
FUNCTIONS = ("log", "ln", "exp", "max", "min", "sin", "cos", "tanh", "sigmoid", "softmax", "det", "arg")
ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0305", "tilde": "\u0303",
           "widetilde": "\u0303", "vec": "\u20d7", "dot": "\u0307", "ddot": "\u0308"}
BLACKBOARD = {"E": "𝔼", "R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "P": "ℙ", "C": "ℂ"}
DELIMITER_SIZES = ("left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl",
                   "biggr", "middle")
SUBSCRIPTS = dict(zip("0123456789+-=()aehijklmnoprstuvx,", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ,"))
SUPERSCRIPTS = dict(zip("0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW,",
                        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ,"))
SUPERSCRIPTS["′"] = "′"
