"""Optimisers: gradient descent, momentum, Adam, and classifying critical points."""

from __future__ import annotations

import sympy

from qbank.core.errors import IllPosed
from qbank.core.exact import decimal, decimal_latex, sigmoid, to_float
from qbank.core.generator import Generator
from qbank.core.model import Part, Rendered
from qbank.core.params import Bool, Choice, Int, Num, Vector
from qbank.core.tex import counted, given, keyed, sequence

R = sympy.Rational
# Learning rates with the slopes |a| that make each step shrink the distance to the minimum by
# 1 - 2 a^2 lr = 1/2 or 3/4: iterates stay fractions with small denominators and never overshoot.
SLOPES_FOR_LR = {R(1, 4): (1,), R(1, 8): (1,), R(1, 2): (R(1, 2),), R(1, 16): (2,)}
QUADRATIC = {"a": Num(-20, 20), "b": Num(-100, 100), "p0": Num(-100, 100), "lr": Num(0, 10), "steps": Int(1, 10)}


def quadratic_grad(p, x):
    """d/dp (a p + b)^2."""
    return 2 * p["a"] * (p["a"] * x + p["b"])


def sample_quadratic(d):
    lr = d.form_choice("lr", tuple(SLOPES_FOR_LR))
    # a pinned learning rate of another size: any slope whose steps do not overshoot (2 a^2 lr <= 1)
    slopes = SLOPES_FOR_LR.get(lr) or [a for a in (1, 2, 3, R(1, 2)) if 2 * a * a * lr <= 1] or [R(1, 2)]
    return {"a": d.value("a", lambda: d.pick(slopes) * d.pick((1, -1))), "b": d.int("b", -20, 20),
            "p0": d.int("p0", -30, 30), "lr": lr, "steps": d.form_int("steps", 2, 3)}


def stalls(p) -> str | None:
    """A run that starts at the minimum or reaches it exactly, after which every step repeats it."""
    x = p["p0"]
    for step in range(p["steps"]):
        gradient = quadratic_grad(p, x)
        if gradient == 0:
            return "the run starts at the minimum" if step == 0 else f"step {step} lands on the minimum"
        x -= p["lr"] * gradient
    return None


def check_quadratic(p):
    if p["a"] == 0:
        raise IllPosed("a", "with a = 0 the loss is constant; give a non-zero a")


def quadratic_statement(p) -> str:
    loss = sympy.latex((p["a"] * sympy.Symbol("p") + p["b"]) ** 2)
    return (rf"The loss $L(p) = {loss}$ is minimised from $p_0 = {sympy.latex(p['p0'])}$ with learning rate "
            rf"$\eta = {given(p['lr'])}$ for {counted(p['steps'], 'step')}.")


class GdSteps(Generator):
    id = "optim.gd_steps"
    title = "Gradient descent on a one-dimensional loss"
    refuses = ("a = 0",)
    labels = {"p": "p_#"}
    topics = ("optimisation",)
    params = dict(QUADRATIC)
    version = 2
    max_abs = 1000
    max_denominator = 100

    def degenerate(self, p, answers):
        return stalls(p)

    def sample(self, d):
        return sample_quadratic(d)

    def check(self, p):
        check_quadratic(p)

    def solve(self, p):
        x, path = p["p0"], []
        for _ in range(p["steps"]):
            x = x - p["lr"] * quadratic_grad(p, x)
            path.append(x)
        return {"p": tuple(path)}

    def render(self, p, answers):
        statement = quadratic_statement(p) + r" Each step is $p \leftarrow p - \eta\, L'(p)$."
        parts = (Part(rf"Give ${sequence('p', p['steps'])}$.", ("p",), 3),)
        x, steps = p["p0"], []
        for t, new in enumerate(answers["p"].exact, 1):
            steps.append(rf"$L'({sympy.latex(x)}) = {sympy.latex(quadratic_grad(p, x))}$, "
                         rf"$p_{t} = {given(new)}$")
            x = new
        solution = (rf"$L'(p) = 2\cdot{sympy.latex(p['a'])}\,({sympy.latex(p['a'] * sympy.Symbol('p') + p['b'])})$. "
                    + "; ".join(steps) + rf". So $p = {answers['p'].latex}$.")
        return Rendered(statement, parts, solution)


class MomentumStep(Generator):
    id = "optim.momentum_step"
    title = "SGD with momentum (PyTorch convention)"
    refuses = ("a = 0",)
    labels = {"velocity": "v_#", "p": "p_#"}
    topics = ("optimisation",)
    params = dict(QUADRATIC) | {"momentum": Num(0, 1), "nesterov": Bool(default=False)}
    version = 2
    max_abs = 1000
    max_denominator = 100

    def degenerate(self, p, answers):
        return stalls(p)

    def sample(self, d):
        return sample_quadratic(d) | {"momentum": d.form("momentum", lambda: d.pick((R(1, 2), R(9, 10)))),
                                      "nesterov": d.form("nesterov", lambda: d.chance(0.3))}

    def check(self, p):
        check_quadratic(p)

    @staticmethod
    def run(p):
        x, v, steps = p["p0"], sympy.Integer(0), []
        for _ in range(p["steps"]):
            g = quadratic_grad(p, x)
            v = p["momentum"] * v + g
            x = x - p["lr"] * ((g + p["momentum"] * v) if p["nesterov"] else v)
            steps.append((g, v, x))
        return steps

    def solve(self, p):
        steps = self.run(p)
        return {"p": tuple(x for _, _, x in steps), "velocity": tuple(v for _, v, _ in steps)}

    def render(self, p, answers):
        rule = (r"$v \leftarrow \mu v + g$, $p \leftarrow p - \eta\,(g + \mu v)$ (Nesterov)" if p["nesterov"]
                else r"$v \leftarrow \mu v + g$, $p \leftarrow p - \eta\, v$")
        statement = (quadratic_statement(p) + rf" It uses SGD with momentum $\mu = {given(p['momentum'])}$ in "
                     rf"PyTorch's convention: with $g = L'(p)$ and $v_0 = 0$, {rule}.")
        parts = (Part(rf"Give the velocities ${sequence('v', p['steps'])}$.", ("velocity",), 2),
                 Part(rf"Give ${sequence('p', p['steps'])}$.", ("p",), 2))
        lines = ", ".join(rf"$g_{t} = {given(g)}$, $v_{t} = {given(v)}$, $p_{t} = {given(x)}$"
                          for t, (g, v, x) in enumerate(self.run(p), 1))
        solution = (rf"Step by step: {lines}. So $v = {answers['velocity'].latex}$ and $p = {answers['p'].latex}$.")
        return Rendered(statement, parts, solution)


def first_step(p, g, scale1, scale2):
    """Adam's first update lr m_hat/(sqrt(v_hat) + eps) with m = (1 - beta1) g, v = (1 - beta2) g^2,
    written as lr a sign(g)/(c + eps/|g|): the same exact value, in the form a student works it
    (m/sqrt(v) is a ratio of constants; g cancels), so the key's rounding bound stays honest."""
    if g == 0:
        return sympy.Integer(0)
    sign = 1 if to_float(g) > 0 else -1
    a, c = (1 - p["beta1"]) / scale1, sympy.sqrt((1 - p["beta2"]) / scale2)
    return p["lr"] * a * sign / (c + p["eps"] / (sign * g))


class AdamStep(Generator):
    id = "optim.adam_step"
    title = "Adam on a sigmoid neuron with binary cross-entropy"
    refuses = ("x = 0", "|w x + b| > 30 (a saturated sigmoid)")
    labels = {"y_hat": r"\hat y", "w": "w_#", "b": "b_#"}
    topics = ("optimisation",)
    params = {"x": Num(-100, 100), "y": Num(0, 1), "w": Num(-100, 100), "b": Num(-100, 100), "lr": Num(0, 10),
              "beta1": Num(0, R(999999, 1000000)), "beta2": Num(0, R(999999, 1000000)), "eps": Num(0, 1),
              "bias_correction": Bool(), "steps": Choice(1, 2)}
    version = 2
    max_abs = 1000
    max_denominator = None  # exact forms with exp and square roots; graded on their decimals
    calculator = True

    def sample(self, d):
        return {"x": d.value("x", lambda: R(d.integer(-8, 8), 2)), "y": d.value("y", lambda: d.pick((0, 1, R(1, 2)))),
                "w": d.value("w", lambda: R(d.integer(-4, 4), 2)), "b": d.value("b", lambda: R(d.integer(-4, 4), 2)),
                "lr": d.form_choice("lr", (R(1, 10), R(1, 20))), "beta1": d.default("beta1", R(9, 10)),
                "beta2": d.form("beta2", lambda: d.pick((R(99, 100), R(999, 1000)))), "eps": d.default("eps", R(1, 10**8)),
                "bias_correction": d.form("bias_correction", lambda: d.chance(0.7)),
                # one step when sampled: a second step's key is a nested exp/sqrt form nobody writes by hand
                "steps": d.default("steps", 1)}

    def check(self, p):
        if p["x"] == 0:
            raise IllPosed("x", "with x = 0 the weight never moves; give a non-zero input")
        if abs(p["w"] * p["x"] + p["b"]) > 30:
            raise IllPosed("w", f"w x + b = {p['w'] * p['x'] + p['b']} saturates the sigmoid (y_hat is 0 or 1 to 13 "
                                "decimals); choose w, x and b with |w x + b| <= 30")

    def degenerate(self, p, answers):
        error = abs(to_float(sigmoid(p["w"] * p["x"] + p["b"])) - p["y"])
        if error < 0.05:
            return "the neuron (almost) predicts y: a gradient that small is lost in 4-decimal working"
        return None

    @staticmethod
    def run(p):
        w, b = p["w"], p["b"]
        m = v = (sympy.Integer(0), sympy.Integer(0))
        steps = []
        for t in range(1, p["steps"] + 1):
            y_hat = sigmoid(w * p["x"] + b)
            g = ((y_hat - p["y"]) * p["x"], y_hat - p["y"])  # BCE through a sigmoid: dL/dz = y_hat - y
            m = tuple(p["beta1"] * mi + (1 - p["beta1"]) * gi for mi, gi in zip(m, g))
            v = tuple(p["beta2"] * vi + (1 - p["beta2"]) * gi ** 2 for vi, gi in zip(v, g))
            scale1 = 1 - p["beta1"] ** t if p["bias_correction"] else 1
            scale2 = 1 - p["beta2"] ** t if p["bias_correction"] else 1
            if t == 1:
                w, b = (theta - first_step(p, gi, scale1, scale2) for theta, gi in zip((w, b), g))
            else:
                w, b = (theta - p["lr"] * (mi / scale1) / (sympy.sqrt(vi / scale2) + p["eps"])
                        for theta, mi, vi in zip((w, b), m, v))
            # m, v and the bias corrections after the step, for the worked solution
            steps.append((y_hat, g, w, b, m, v, scale1, scale2))
        return steps

    def solve(self, p):
        steps = self.run(p)
        return {"y_hat": steps[0][0], "w": tuple(s[2] for s in steps), "b": tuple(s[3] for s in steps)}

    def render(self, p, answers):
        corrected = p["bias_correction"]
        statement = (
            rf"A sigmoid neuron $\hat y = \sigma(w x + b)$ with $x = {given(p['x'])}$, $w = {given(p['w'])}$, "
            rf"$b = {given(p['b'])}$ is trained on the target $y = {given(p['y'])}$ with binary cross-entropy "
            rf"(so $\partial L/\partial z = \hat y - y$) by Adam with $\eta = {given(p['lr'])}$, "
            rf"$\beta_1 = {given(p['beta1'])}$, $\beta_2 = {given(p['beta2'])}$, "
            rf"$\varepsilon = {given(p['eps'])}$, $m_0 = v_0 = 0$, "
            + ("with bias correction: " r"$\theta \leftarrow \theta - \eta\, \hat m/(\sqrt{\hat v} + \varepsilon)$, "
               r"$\hat m = m/(1-\beta_1^t)$, $\hat v = v/(1-\beta_2^t)$ at step $t$ (the first step is $t = 1$)."
               if corrected else
               r"without bias correction: $\theta \leftarrow \theta - \eta\, m/(\sqrt{v} + \varepsilon)$.")
            + r" Each parameter $\theta \in \{w, b\}$ keeps its own $m$ and $v$, updated with its gradient "
            r"$g = \partial L/\partial \theta$ at the current $w$ and $b$: "
            r"$m \leftarrow \beta_1 m + (1-\beta_1) g$ and $v \leftarrow \beta_2 v + (1-\beta_2) g^2$.")
        each, each_of = ("the step",) * 2 if p["steps"] == 1 else ("each step", f"each of the {p['steps']} steps")
        parts = (Part(r"Compute $\hat y$ before the first step.", ("y_hat",), 1),
                 Part(rf"Give $w$ after {each_of}.", ("w",), 2),
                 Part(rf"Give $b$ after {each}.", ("b",), 2))
        def moments(m, v, scale1, scale2) -> str:
            # v is (1 - beta2) g^2, far below 4 decimals: shown to 8
            shown = (rf"$m_w = {decimal(m[0])}$, $m_b = {decimal(m[1])}$, "
                     rf"$v_w = {decimal(v[0], 8)}$, $v_b = {decimal(v[1], 8)}$")
            if corrected:
                shown += (rf", $\hat m_w = {decimal(m[0] / scale1)}$, $\hat m_b = {decimal(m[1] / scale1)}$, "
                          rf"$\hat v_w = {decimal(v[0] / scale2)}$, $\hat v_b = {decimal(v[1] / scale2)}$")
            return shown
        lines = "; ".join(
            rf"step {t}: $\hat y = {decimal(y_hat)}$, $g_w = {decimal(g[0])}$, $g_b = {decimal(g[1])}$, "
            + moments(m, v, scale1, scale2) + rf", $w = {decimal(w)}$, $b = {decimal(b)}$"
            for t, (y_hat, g, w, b, m, v, scale1, scale2) in enumerate(self.run(p), 1))
        note = (r" With bias correction the first step moves each parameter by almost exactly $\eta$ against the "
                r"sign of its gradient ($\hat m/\sqrt{\hat v} = g/|g|$)." if corrected else "")
        solution = (lines + "." + note + rf" So $\hat y {keyed(answers['y_hat'])}$, "
                    rf"$w \approx {decimal_latex(answers['w'].exact)}$, $b \approx {decimal_latex(answers['b'].exact)}$.")
        return Rendered(statement, parts, solution)


class CriticalPoints(Generator):
    id = "optim.critical_points"
    title = "Critical point of a quadratic in two variables: gradient, Hessian, kind"
    refuses = ("a singular Hessian (4ac = b^2)",)
    labels = {"point": "x_#", "hessian": r"\nabla^2 f", "eigenvalues": r"\lambda_#",
              "kind": r"\text{type of critical point}"}
    options = {"kind": ("minimum", "maximum", "saddle")}
    topics = ("optimisation", "calculus")
    params = {"coeffs": Vector(Num(-50, 50), 5, 5)}
    max_abs = 100
    max_denominator = 12

    def sample(self, d):
        return {"coeffs": d.value("coeffs", lambda: self._coeffs(d))}

    @staticmethod
    def _coeffs(d):
        """A non-degenerate Hessian and a critical point of whole or half numbers, then d and e to match."""
        for _ in range(100):
            a, b, c = d.integer(-3, 3), d.integer(-4, 4), d.integer(-3, 3)
            if 4 * a * c != b * b:
                break
        x1, x2 = (R(d.integer(-6, 6), 2) for _ in range(2))  # halves in [-3, 3]
        return (a, b, c, -(2 * a * x1 + b * x2), -(b * x1 + 2 * c * x2))

    @staticmethod
    def hessian(p):
        a, b, c, _, _ = p["coeffs"]
        return sympy.Matrix([[2 * a, b], [b, 2 * c]])

    def check(self, p):
        if self.hessian(p).det() == 0:
            raise IllPosed("coeffs", "the Hessian is singular (4ac = b^2): there is no single critical point to classify")

    def solve(self, p):
        _, _, _, d, e = p["coeffs"]
        H = self.hessian(p)
        point = H.solve(sympy.Matrix([-d, -e]))
        eigenvalues = sorted(H.eigenvals(multiple=True), key=lambda x: float(x))
        kind = "minimum" if eigenvalues[0] > 0 else "maximum" if eigenvalues[1] < 0 else "saddle"
        return {"point": tuple(point), "hessian": tuple(tuple(row) for row in H.tolist()),
                "eigenvalues": tuple(eigenvalues), "kind": kind}

    def render(self, p, answers):
        x1, x2 = sympy.symbols("x_1 x_2")
        a, b, c, d, e = p["coeffs"]
        f = a * x1 ** 2 + b * x1 * x2 + c * x2 ** 2 + d * x1 + e * x2
        statement = rf"Let $f(x_1, x_2) = {sympy.latex(f, order='lex')}$."
        lam = sympy.Symbol("lambda")
        characteristic = lam ** 2 - (2 * a + 2 * c) * lam + (4 * a * c - b * b)
        parts = (Part(r"Find the critical point (where $\nabla f = 0$).", ("point",), 2),
                 Part(r"Give the Hessian $\nabla^2 f$.", ("hessian",), 1),
                 Part("Give its eigenvalues in ascending order.", ("eigenvalues",), 1),
                 Part("Is the critical point a minimum, a maximum or a saddle point?", ("kind",), 1))
        solution = (
            rf"$\nabla f = ({sympy.latex(sympy.diff(f, x1))},\ {sympy.latex(sympy.diff(f, x2))}) = 0$ gives "
            rf"$(x_1, x_2) = {answers['point'].latex}$. The Hessian is constant:"
            rf"\[ \nabla^2 f = {answers['hessian'].latex} \]"
            rf"with eigenvalues ${answers['eigenvalues'].latex}$ (roots of ${sympy.latex(characteristic)} = 0$). "
            r"Both positive: minimum; both negative: maximum; opposite signs: saddle. So it is a "
            rf"${answers['kind'].latex}$.")
        return Rendered(statement, parts, solution)
