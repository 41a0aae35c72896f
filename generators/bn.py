"""Normalisation family: batch-norm statistics of a batch in training mode."""

from __future__ import annotations

from functools import cache
from itertools import combinations_with_replacement
from math import isqrt

import sympy

from qbank.core.errors import IllPosed
from qbank.core.generator import Generator
from qbank.core.model import Part, Rendered
from qbank.core.params import Choice, Int, Matrix, Num, Vector
from qbank.core.tex import counted, display, factor, listed

# Batch sizes with integer-deviation columns of integer standard deviation;
# b = 3 has none (a sum-zero integer triple never has a square mean square), and b = 2 always
# normalises to -1 and +1, which needs no arithmetic.
BATCH_SIZES = (4, 5, 6)


@cache
def deviation_patterns(batch: int) -> tuple[tuple[int, ...], ...]:
    """Multisets of integer deviations with sum 0 and an integer population std of 1 to 4."""
    found = []
    for combo in combinations_with_replacement(range(-6, 7), batch):
        square_sum = sum(c * c for c in combo)
        if sum(combo) == 0 and square_sum % batch == 0 and 1 <= square_sum // batch <= 16 \
                and isqrt(square_sum // batch) ** 2 == square_sum // batch:
            found.append(combo)
    return tuple(found)


def column(z, j):
    return [row[j] for row in z]


def statistics(p):
    """Per-feature mean and biased (population) variance."""
    b = len(p["z"])
    mean = tuple(sum(column(p["z"], j)) / b for j in range(len(p["z"][0])))
    var = tuple(sum((x - m) ** 2 for x in column(p["z"], j)) / b for j, m in enumerate(mean))
    return mean, var


class Statistics(Generator):
    id = "bn.statistics"
    forms = {"batch": Choice(*BATCH_SIZES), "features": Int(2, 3)}
    title = "Batch normalisation of a batch in training mode"
    refuses = ("a batch of fewer than 2 examples",
               "gamma or beta of another length than z's rows",
               "a feature of zero variance with eps = 0")
    labels = {"mean": r"\mu_#", "std": r"\sigma_#", "z_norm": r"\hat z", "y": "y"}
    topics = ("normalisation",)
    params = {
        "z": Matrix(Num(), max_rows=32, max_cols=8),
        "gamma": Vector(Num(), 1, 8), "beta": Vector(Num(), 1, 8),
        "eps": Num(0, 1, default=0),
    }
    version = 2
    max_abs = 200
    max_denominator = 4

    def sample(self, d):
        z = d.value("z", lambda: self._batch(d))
        n = len(z[0])
        return {"z": z, "gamma": d.value("gamma", lambda: d.integers(n, 1, 3)),
                "beta": d.value("beta", lambda: d.integers(n, -5, 5))}

    @staticmethod
    def _batch(d):
        batch, features = d.form_choice("batch", BATCH_SIZES), d.form_int("features", 2, 3)
        columns = []
        for _ in range(features):
            deviations = d.rng.permutation(d.pick(deviation_patterns(batch)))
            mean = d.integer(-5, 12)
            columns.append([mean + int(x) for x in deviations])
        return tuple(zip(*columns))

    def check(self, p):
        rows, cols = len(p["z"]), len(p["z"][0])
        if rows < 2:
            raise IllPosed("z", "a batch needs at least 2 examples (rows)")
        for name in ("gamma", "beta"):
            if len(p[name]) != cols:
                raise IllPosed(name, f"needs {cols} entries, one per feature (column of z), not {len(p[name])}")
        if p["eps"] == 0:
            flat = [j + 1 for j, v in enumerate(statistics(p)[1]) if v == 0]
            if flat:
                raise IllPosed("z", f"feature {flat[0]} has zero variance, so z_norm divides by 0 with eps = 0; "
                                    "vary that column or give eps > 0")

    def degenerate(self, p, answers):
        if all(abs(x) == 1 for row in answers["z_norm"].exact for x in row):
            return "every normalised value is -1 or +1"
        return None

    def solve(self, p):
        mean, var = statistics(p)
        scale = tuple(sympy.sqrt(v + p["eps"]) for v in var)
        z_norm = tuple(tuple((x - mean[j]) / scale[j] for j, x in enumerate(row)) for row in p["z"])
        y = tuple(tuple(p["gamma"][j] * x + p["beta"][j] for j, x in enumerate(row)) for row in z_norm)
        return {"mean": mean, "std": tuple(sympy.sqrt(v) for v in var), "z_norm": z_norm, "y": y}

    def render(self, p, answers):
        b, n = len(p["z"]), len(p["z"][0])
        eps = sympy.latex(p["eps"])
        statement = (
            rf"A batch-normalisation layer in training mode receives a batch of {b} examples with {n} "
            rf"feature{'s' if n > 1 else ''} (one row per example):"
            + display("z", p["z"])
            + rf"It normalises each feature with the batch mean $\mu_j = \frac1{{{b}}}\sum_i z_{{ij}}$ and the biased "
            rf"(population) variance $\sigma_j^2 = \frac1{{{b}}}\sum_i (z_{{ij}} - \mu_j)^2$, as batch norm does "
            rf"during training: $\hat z_{{ij}} = (z_{{ij}} - \mu_j)/\sqrt{{\sigma_j^2 + \varepsilon}}$ with "
            rf"$\varepsilon = {eps}$, then outputs $y_{{ij}} = \gamma_j \hat z_{{ij}} + \beta_j$ with"
            + display(r"\gamma", p["gamma"]) + display(r"\beta", p["beta"])
        )
        parts = (
            Part(r"Compute the mean $\mu_j$ of every feature.", ("mean",), 1),
            Part(r"Compute the standard deviation $\sigma_j$ of every feature"
                 + (r" ($\sigma_j = \sqrt{\sigma_j^2}$, without $\varepsilon$)." if p["eps"] else "."), ("std",), 2),
            Part(r"Compute the normalised batch $\hat z$.", ("z_norm",), 2),
            Part(r"Compute the output $y$.", ("y",), 2),
        )
        return Rendered(statement, parts, self._solution(p, answers))

    @staticmethod
    def _solution(p, answers):
        b = len(p["z"])
        first = column(p["z"], 0)
        mean0 = answers["mean"].exact[0]
        return (
            rf"Feature 1: $\mu_1 = ({' + '.join(factor(x) for x in first)})/{b} = {sympy.latex(mean0)}$ and "
            rf"$\sigma_1^2 = ({' + '.join(f'({sympy.latex(x - mean0)})^2' for x in first)})/{b} "
            rf"= {sympy.latex(answers['std'].exact[0] ** 2)}$. The same for every feature gives"
            + display(r"\mu", answers["mean"].exact) + display(r"\sigma", answers["std"].exact)
            + r"Subtract each column's mean and divide by $\sqrt{\sigma_j^2 + \varepsilon}$:"
            + display(r"\hat z", answers["z_norm"].exact)
            + r"Scale by $\gamma_j$ and shift by $\beta_j$ column by column:"
            + display("y", answers["y"].exact)
        )


class Params(Generator):
    id = "bn.params"
    forms = {"layers": Int(3, 4)}
    title = "Trainable and non-trainable parameters of batch-norm layers"
    labels = {"per_layer": r"\text{layer #}", "trainable": r"\text{trainable parameters}",
              "non_trainable": r"\text{running statistics}", "total": r"\text{values in total}"}
    topics = ("normalisation", "cnn", "counting")
    params = {"channels": Vector(Int(1, 100_000), 1, 64)}
    version = 2
    max_abs = 100_000

    def sample(self, d):
        def channels():
            return tuple(d.pick((16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512))
                         for _ in range(d.form_int("layers", 3, 4)))
        return {"channels": d.value("channels", channels)}

    def solve(self, p):
        per_layer = tuple(2 * c for c in p["channels"])
        total = sum(per_layer)
        return {"trainable": total, "non_trainable": total, "total": 2 * total, "per_layer": per_layer}

    def render(self, p, answers):
        n = len(p["channels"])
        statement = (
            rf"A convolutional network has {counted(n, 'batch-normalisation layer')} (\texttt{{BatchNorm2d}}), "
            rf"after {'a convolution' if n == 1 else 'convolutions'} with {listed(p['channels'])} output channels. {'It' if n == 1 else 'Each'} normalises per channel with a learned scale "
            r"$\gamma$ and shift $\beta$ and keeps running estimates of the mean and variance for inference "
            r"(PyTorch's step counter \texttt{num\_batches\_tracked} is not counted).")
        parts = (Part("How many trainable parameters does each batch-norm layer have?", ("per_layer",), 1),
                 Part("How many trainable parameters do they have in total?", ("trainable",), 1),
                 Part("How many non-trainable values (running statistics) do they keep?", ("non_trainable",), 1),
                 Part("How many values in total?", ("total",), 1))
        solution = (
            r"Per channel: $\gamma$ and $\beta$ are trained (2 values), the running mean and running variance are "
            r"updated, not trained (2 values; PyTorch's step counter \texttt{num\_batches\_tracked} is not counted). "
            rf"Per layer $2C$: ${answers['per_layer'].latex}$; trainable $2\sum C = {answers['trainable'].latex}$, "
            rf"non-trainable ${answers['non_trainable'].latex}$, in all ${answers['total'].latex}$.")
        return Rendered(statement, parts, solution)


class LayerNorm(Generator):
    id = "norm.layer_norm"
    forms = {"features": Choice(*BATCH_SIZES), "examples": Int(2, 3)}
    title = "Layer normalisation of each example's features"
    refuses = ("an example of fewer than 2 features",
               "gamma or beta of another length than z's rows",
               "an example of zero variance with eps = 0")
    labels = {"mean": r"\mu_#", "var": r"\sigma^2_#", "z_norm": r"\hat z", "y": "y"}
    topics = ("normalisation", "transformer")
    params = {
        "z": Matrix(Num(), max_rows=8, max_cols=32),
        "gamma": Vector(Num(), 1, 32), "beta": Vector(Num(), 1, 32),
        "eps": Num(0, 1, default=0),
    }
    max_abs = 200
    max_denominator = 4

    def sample(self, d):
        features, examples = d.form_choice("features", BATCH_SIZES), d.form_int("examples", 2, 3)
        z = d.value("z", lambda: tuple(self._example(d, features) for _ in range(examples)))
        n = len(z[0])
        return {"z": z, "gamma": d.value("gamma", lambda: d.integers(n, 1, 3)),
                "beta": d.value("beta", lambda: d.integers(n, -5, 5))}

    @staticmethod
    def _example(d, features):
        """A row of integers whose mean is an integer and whose deviations have an integer std."""
        mean = d.integer(-5, 12)
        return tuple(mean + int(x) for x in d.rng.permutation(d.pick(deviation_patterns(features))))

    @staticmethod
    def statistics(p):
        """Per-example mean and biased variance over the features (each row)."""
        n = len(p["z"][0])
        mean = tuple(sympy.Rational(sum(row), n) for row in p["z"])
        return mean, tuple(sum((x - m) ** 2 for x in row) / n for row, m in zip(p["z"], mean))

    def check(self, p):
        cols = len(p["z"][0])
        if cols < 2:
            raise IllPosed("z", "an example needs at least 2 features (columns) to normalise over")
        for name in ("gamma", "beta"):
            if len(p[name]) != cols:
                raise IllPosed(name, f"needs {cols} entries, one per feature (column of z), not {len(p[name])}")
        if p["eps"] == 0:
            flat = [i + 1 for i, v in enumerate(self.statistics(p)[1]) if v == 0]
            if flat:
                raise IllPosed("z", f"example {flat[0]} has zero variance, so z_norm divides by 0 with eps = 0; "
                                    "vary that row or give eps > 0")

    def degenerate(self, p, answers):
        if all(abs(x) == 1 for row in answers["z_norm"].exact for x in row):
            return "every normalised value is -1 or +1"
        return None

    def solve(self, p):
        mean, var = self.statistics(p)
        z_norm = tuple(tuple((x - m) / sympy.sqrt(v + p["eps"]) for x in row) for row, m, v in zip(p["z"], mean, var))
        y = tuple(tuple(g * x + b for x, g, b in zip(row, p["gamma"], p["beta"])) for row in z_norm)
        return {"mean": mean, "var": var, "z_norm": z_norm, "y": y}

    def render(self, p, answers):
        b, n = len(p["z"]), len(p["z"][0])
        statement = (
            rf"A layer-normalisation layer (as \texttt{{nn.LayerNorm({n})}}) receives {b} examples of {n} features "
            "(one row per example):" + display("z", p["z"])
            + rf"Unlike batch norm, it normalises each example over its own features, the same in training and at "
            rf"test time: $\mu_i = \frac1{{{n}}}\sum_j z_{{ij}}$, the biased variance $\sigma_i^2 = \frac1{{{n}}}"
            rf"\sum_j (z_{{ij}} - \mu_i)^2$, $\hat z_{{ij}} = (z_{{ij}} - \mu_i)/\sqrt{{\sigma_i^2 + \varepsilon}}$ with "
            rf"$\varepsilon = {sympy.latex(p['eps'])}$, then $y_{{ij}} = \gamma_j \hat z_{{ij}} + \beta_j$ (one $\gamma$ "
            "and one $\\beta$ per feature) with" + display(r"\gamma", p["gamma"]) + display(r"\beta", p["beta"]))
        parts = (Part(r"Compute the mean $\mu_i$ of every example.", ("mean",), 1),
                 Part(r"Compute the variance $\sigma_i^2$ of every example.", ("var",), 1),
                 Part(r"Compute the normalised $\hat z$.", ("z_norm",), 2),
                 Part(r"Compute the output $y$.", ("y",), 2))
        first, m = p["z"][0], answers["mean"].exact[0]
        solution = (
            rf"Example 1: $\mu_1 = ({' + '.join(factor(x) for x in first)})/{n} = {sympy.latex(m)}$ and "
            rf"$\sigma_1^2 = ({' + '.join(f'({sympy.latex(x - m)})^2' for x in first)})/{n} "
            rf"= {sympy.latex(answers['var'].exact[0])}$. The same for every example (row) gives"
            + display(r"\mu", answers["mean"].exact) + display(r"\sigma^2", answers["var"].exact)
            + r"Subtract each row's mean and divide by $\sqrt{\sigma_i^2 + \varepsilon}$:"
            + display(r"\hat z", answers["z_norm"].exact)
            + r"Scale by $\gamma_j$ and shift by $\beta_j$ column by column:" + display("y", answers["y"].exact))
        return Rendered(statement, parts, solution)
