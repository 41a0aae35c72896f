"""Convolution family: an image cross-correlated with a kernel, forward and backward."""

from __future__ import annotations

import sympy
from sympy import QQ
from sympy.polys.matrices import DomainMatrix

from qbank.core.errors import IllPosed
from qbank.core.generator import Generator
from qbank.core.model import Part, Rendered
from qbank.core.params import Bool, Choice, Int, Matrix, Num, NumOrName, Vector
from qbank.core.tex import display, sum_of_products

ZERO = sympy.Integer(0)


def shape(matrix) -> tuple[int, int]:
    return len(matrix), len(matrix[0])


def pad(image, padding: int):
    width = len(image[0]) + 2 * padding
    blank = (ZERO,) * width
    middle = tuple((ZERO,) * padding + tuple(row) + (ZERO,) * padding for row in image)
    return (blank,) * padding + middle + (blank,) * padding


def out_size(n: int, k: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """PyTorch's output size along one axis: floor((n + 2p - d(k-1) - 1)/s) + 1."""
    return (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1


def output_shape(image_shape, kernel_shape, stride: int, padding: int) -> tuple[int, int]:
    return tuple(out_size(n, k, stride, padding) for n, k in zip(image_shape, kernel_shape))


def window(padded, kernel_shape, stride: int, i: int, j: int):
    """(input, weight-index) pairs that output (i, j) multiplies, 0-based."""
    kh, kw = kernel_shape
    return [((u, v), padded[i * stride + u][j * stride + v]) for u in range(kh) for v in range(kw)]


def correlate(padded, kernel, stride: int, out_shape):
    """Cross-correlation of an already padded image (entries may be sympy symbols)."""
    kh, kw = shape(kernel)
    return tuple(tuple(sum((x * kernel[u][v] for (u, v), x in window(padded, (kh, kw), stride, i, j)), ZERO)
                       for j in range(out_shape[1])) for i in range(out_shape[0]))


def ones_like_output(out) -> tuple:
    """The default upstream gradient: all ones, at least 1x1 even when the kernel does not fit,
    so that check() can name the real problem."""
    return tuple((1,) * max(out[1], 1) for _ in range(max(out[0], 1)))


def pad_symbol(padding: int) -> str:
    """The image the formulas index: X^pad when zeros are added, X itself without padding."""
    return r"X^{\mathrm{pad}}" if padding else "X"


class ImageKernel(Generator):
    id = "conv.image_kernel"
    forms = {"kernel_size": Choice(2, 3), "height": Int(4, 7), "width": Int(4, 7)}
    title = "Image convolved with a kernel: feature map and gradients"
    refuses = ("a kernel larger than the padded image",
               "a stride that does not tile the padded image",
               "upstream of another shape than the output")
    labels = {"count": r"\text{values of } Y", "output": "Y", "input_grad": r"\partial L/\partial X",
              "kernel_grad": r"\partial L/\partial K"}
    topics = ("cnn", "backprop")
    params = {
        "image": Matrix(Num(), max_rows=16, max_cols=16),
        "kernel": Matrix(Num(), max_rows=7, max_cols=7),
        "stride": Int(1, 4),
        "padding": Int(0, 3),
        "upstream": Matrix(Num(), max_rows=16, max_cols=16),
    }
    version = 2
    max_abs = 400

    def sample(self, d):
        stride = d.form_int("stride", 1, 2)
        kernel = d.value("kernel", lambda: d.integers((d.form_choice("kernel_size", (2, 3)),) * 2, -2, 4))
        kh, kw = shape(kernel)
        # Zero padding of 1 only around odd kernels: with a 2x2 kernel it would be lopsided.
        padding = d.form("padding", lambda: d.integer(0, 1) if kh % 2 and kw % 2 else 0)
        image = d.value("image", lambda: d.integers(
            (d.form("height", lambda: self._side(d, kh, stride, padding)),
             d.form("width", lambda: self._side(d, kw, stride, padding))), 0, 5))
        out = output_shape(shape(image), (kh, kw), stride, padding)
        upstream = d.default("upstream", ones_like_output(out))
        return {"image": image, "kernel": kernel, "stride": stride, "padding": padding, "upstream": upstream}

    @staticmethod
    def _side(d, k: int, stride: int, padding: int) -> int:
        """An image side the kernel tiles exactly: 4..7 with 2..4 outputs when pins allow."""
        fits = [n for n in range(1, 17) if n + 2 * padding >= k and (n + 2 * padding - k) % stride == 0]
        nice = [n for n in fits if 4 <= n <= 7 and 2 <= (n + 2 * padding - k) // stride + 1 <= 4]
        return d.pick(nice) if nice else fits[0] if fits else 4  # nothing fits: check() names the pin

    def check(self, p):
        (h, w), (kh, kw) = shape(p["image"]), shape(p["kernel"])
        s, pad_ = p["stride"], p["padding"]
        if kh > h + 2 * pad_ or kw > w + 2 * pad_:
            raise IllPosed("kernel", f"{kh}x{kw} kernel is larger than the {h + 2 * pad_}x{w + 2 * pad_} padded image")
        if (h + 2 * pad_ - kh) % s or (w + 2 * pad_ - kw) % s:
            raise IllPosed("stride", f"stride {s} does not tile the {h + 2 * pad_}x{w + 2 * pad_} padded image "
                           f"with a {kh}x{kw} kernel exactly; choose a stride that divides (size - kernel)")
        out = output_shape((h, w), (kh, kw), s, pad_)
        if shape(p["upstream"]) != out:
            raise IllPosed("upstream", f"must be {out[0]}x{out[1]} like the output, not "
                           f"{len(p['upstream'])}x{len(p['upstream'][0])}")

    def solve(self, p):
        kernel, s, up = p["kernel"], p["stride"], p["upstream"]
        padded = pad(p["image"], p["padding"])
        (oh, ow), (kh, kw) = shape(up), shape(kernel)
        output = correlate(padded, kernel, s, (oh, ow))
        grad_padded = [[ZERO] * len(padded[0]) for _ in padded]
        kernel_grad = [[ZERO] * kw for _ in range(kh)]
        for i in range(oh):
            for j in range(ow):
                for (u, v), x in window(padded, (kh, kw), s, i, j):
                    grad_padded[i * s + u][j * s + v] += up[i][j] * kernel[u][v]
                    kernel_grad[u][v] += up[i][j] * x
        pad_ = p["padding"]
        input_grad = tuple(tuple(row[pad_:len(row) - pad_]) for row in grad_padded[pad_:len(grad_padded) - pad_])
        return {"count": oh * ow, "output": output,
                "input_grad": input_grad, "kernel_grad": tuple(map(tuple, kernel_grad))}

    def render(self, p, answers):
        (h, w), (kh, kw) = shape(p["image"]), shape(p["kernel"])
        s, pad_ = p["stride"], p["padding"]
        oh, ow = shape(p["upstream"])
        ones = all(x == 1 for row in p["upstream"] for x in row)
        padding_text = "no padding" if pad_ == 0 else f"zero padding of {pad_} on every side"
        xp = pad_symbol(pad_)
        statement = (
            rf"A convolutional layer (one input channel, one filter, no bias) applies the {kh}\(\times\){kw} kernel $K$ "
            rf"to the {h}\(\times\){w} image $X$ with stride {s} and {padding_text}. As in deep-learning "
            r"libraries (\texttt{torch.nn.functional.conv2d}), convolution here means cross-correlation: "
            r"the kernel is not flipped, "
            rf"$Y_{{i,j}} = \sum_{{u,v}} {xp}_{{(i-1)s+u,\,(j-1)s+v}}\, K_{{u,v}}$ (1-based indices; $s = {s}$ is "
            "the stride"
            + (rf"; $X^{{\mathrm{{pad}}}}$ is $X$ with a border of {pad_} zero{'s' if pad_ > 1 else ''} on every side"
               if pad_ else "") + ")."
            + display("X", p["image"]) + display("K", p["kernel"])
            + ("The gradient of the loss with respect to every output is 1."
               if ones else r"The gradient of the loss with respect to the output is" + display(r"\partial L/\partial Y", p["upstream"]))
        )
        parts = (
            Part("How many values does the output feature map $Y$ have?", ("count",), 1),
            Part("Compute the feature map $Y$.", ("output",), 3),
            Part(r"Compute $\partial L/\partial X$, the gradient with respect to the input image.", ("input_grad",), 3),
            Part(r"Compute $\partial L/\partial K$, the gradient with respect to the kernel.", ("kernel_grad",), 3),
        )
        return Rendered(statement, parts, self._solution(p, answers, (h, w), (kh, kw), (oh, ow)))

    def _solution(self, p, answers, image_shape, kernel_shape, out_shape):
        (h, w), (kh, kw), (oh, ow) = image_shape, kernel_shape, out_shape
        s, pad_ = p["stride"], p["padding"]
        padded = pad(p["image"], pad_)
        xp = pad_symbol(pad_)
        first = window(padded, kernel_shape, s, 0, 0)
        steps = [
            rf"Output size: $\lfloor ({h} + 2\cdot{pad_} - {kh})/{s} \rfloor + 1 = {oh}$ rows and "
            rf"$\lfloor ({w} + 2\cdot{pad_} - {kw})/{s} \rfloor + 1 = {ow}$ columns, so "
            rf"${oh}\cdot{ow} = {answers['count'].latex}$ values.",
        ]
        if pad_:
            steps.append("Zero-padded image:" + display(r"X^{\mathrm{pad}}", padded))
        steps.append(
            "Each output is the sum of products of the kernel with the window under it, e.g. "
            rf"$Y_{{1,1}} = {sum_of_products((x, p['kernel'][u][v]) for (u, v), x in first)} = {sympy.latex(answers['output'].exact[0][0])}$. "
            "Sliding the window by the stride gives" + display("Y", answers["output"].exact))
        steps.append(
            rf"Input gradient: every product ${xp}_{{(i-1)s+u,(j-1)s+v}} K_{{u,v}}$ sends "
            r"$\frac{\partial L}{\partial Y_{i,j}} K_{u,v}$ back to its input pixel; adding these up "
            + ("(for stride 1 this is the full correlation of the zero-padded upstream gradient with the flipped kernel) "
               if s == 1 else "(a scatter-add of the kernel, scaled by each upstream value, at stride steps) ")
            + ("and dropping the padded border " if pad_ else "")
            + "gives" + display(r"\frac{\partial L}{\partial X}", answers["input_grad"].exact))
        steps.append(
            r"Kernel gradient: $\frac{\partial L}{\partial K_{u,v}} = \sum_{i,j} \frac{\partial L}{\partial Y_{i,j}}\,"
            + xp + r"_{(i-1)s+u,(j-1)s+v}$, the correlation of the input with the upstream gradient, e.g. "
            rf"$\frac{{\partial L}}{{\partial K_{{1,1}}}} = "
            rf"{sum_of_products((p['upstream'][i][j], padded[i * s][j * s]) for i in range(oh) for j in range(ow))}"
            rf" = {sympy.latex(answers['kernel_grad'].exact[0][0])}$; in full"
            + display(r"\frac{\partial L}{\partial K}", answers["kernel_grad"].exact))
        return "\n\n".join(steps)


class UnknownKernel(Generator):
    id = "conv.unknown_kernel"
    forms = {"kernel_size": Choice(2, 3), "unknowns": Int(2, 3), "image_shape": Choice((3, 5), (4, 4), (3, 4))}
    title = "Recover unknown kernel entries from known outputs"
    refuses = ("known outputs that do not determine every unknown, or contradict each other",
               "a kernel with no unknown entries")
    labels = {"x": "x", "y": "y", "z": "z"}
    topics = ("cnn",)
    params = {"image": Matrix(Num(), max_rows=12, max_cols=12), "kernel": Matrix(NumOrName(), max_rows=5, max_cols=5),
              "stride": Int(1, 4, default=1), "known_outputs": Matrix(Num(), max_rows=25, max_cols=3)}
    version = 2
    max_abs = 60
    max_denominator = 2

    def sample(self, d):
        stride = d.int("stride", 1, 1)
        kernel = d.value("kernel", lambda: self._kernel(d))
        image = d.value("image", lambda: d.integers(d.form_choice("image_shape", ((3, 5), (4, 4), (3, 4))), -5, 5))
        names = unknowns(kernel)
        out = output_shape(shape(image), shape(kernel), stride, 0)
        truth = {n: sympy.Rational(d.integer(-12, 12), d.pick((1, 1, 2))) for n in names}
        values = correlate(image, tuple(tuple(truth.get(x, x) for x in row) for row in kernel), stride, out) \
            if min(out) > 0 else ()
        cells = [(i, j) for i in range(out[0]) for j in range(out[1])]
        chosen = sorted(d.rng.permutation(len(cells))[:len(names)]) if values else []
        known = d.value("known_outputs", lambda: tuple(
            (cells[c][0] + 1, cells[c][1] + 1, values[cells[c][0]][cells[c][1]]) for c in chosen) or ((1, 1, 0),))
        return {"image": image, "kernel": kernel, "stride": stride, "known_outputs": known}

    @staticmethod
    def _kernel(d):
        size = d.form("kernel_size", lambda: 3 if d.chance(0.7) else 2)
        entries = [d.integer(-2, 2) for _ in range(size * size)]
        for position, name in zip(sorted(d.rng.permutation(size * size)[:d.form_int("unknowns", 2, 3)]), "xyz"):
            entries[position] = name
        return tuple(tuple(entries[r * size:(r + 1) * size]) for r in range(size))

    def check(self, p):
        for k, row in enumerate(p["known_outputs"], 1):
            if len(row) != 3:
                raise IllPosed("known_outputs", f"entry {k} has {len(row)} numbers; give [row, column, value]")
        names = unknowns(p["kernel"])
        if not names:
            raise IllPosed("kernel", 'has no unknown entries; name them, e.g. "x"')
        system, rhs = self._system(p)
        if system.rank() < len(names):
            raise IllPosed("known_outputs", f"{system.shape[0]} known outputs do not determine {', '.join(names)} "
                                            "uniquely; give more (independent) outputs")
        if system.hstack(rhs).rank() > len(names):
            raise IllPosed("known_outputs", "the known outputs contradict each other for any kernel")

    def _system(self, p):
        """The known outputs as a linear system A k = b over the rationals, in the unknowns'
        row-major order. Domain matrices eliminate 25 unknowns in milliseconds where Matrix.rank
        and sympy.solve take minutes."""
        equations = [lhs - value for lhs, value in self._equations(p)]
        system, rhs = sympy.linear_eq_to_matrix(equations, *map(sympy.Symbol, unknowns(p["kernel"])))
        return DomainMatrix.from_Matrix(system).convert_to(QQ), DomainMatrix.from_Matrix(rhs).convert_to(QQ)

    def _equations(self, p):
        (h, w), (kh, kw) = shape(p["image"]), shape(p["kernel"])
        if kh > h or kw > w:
            raise IllPosed("kernel", f"{kh}x{kw} kernel is larger than the {h}x{w} image")
        out = output_shape((h, w), (kh, kw), p["stride"], 0)
        symbolic = correlate(p["image"], symbols(p["kernel"]), p["stride"], out)
        equations = []
        for k, (row, col, value) in enumerate(p["known_outputs"], 1):
            if not (row.is_Integer and col.is_Integer and 1 <= row <= out[0] and 1 <= col <= out[1]):
                raise IllPosed("known_outputs", f"entry {k} names output ({row}, {col}), outside the "
                                                f"{out[0]}x{out[1]} output (1-based rows and columns)")
            equations.append((symbolic[row - 1][col - 1], value))
        return equations

    def solve(self, p):
        # check() proved the solution unique
        system, rhs = self._system(p)
        return dict(zip(unknowns(p["kernel"]), system.lu_solve(rhs).to_Matrix()))

    def render(self, p, answers):
        names = unknowns(p["kernel"])
        known = ",\\ ".join(rf"Y_{{{r},{c}}} = {sympy.latex(v)}" for r, c, v in p["known_outputs"])
        statement = (
            rf"The image $X$ is cross-correlated (deep-learning convolution: no kernel flip, no padding, stride "
            rf"{p['stride']}, 1-based indices) with a kernel $K$ whose entries ${', '.join(names)}$ are unknown:"
            + display("X", p["image"]) + display("K", symbols(p["kernel"]))
            + rf"Some outputs are known: ${known}$.")
        parts = (Part(rf"Find ${', '.join(names)}$.", tuple(names), 3),)
        equations = "\\\\\n".join(rf"{sympy.latex(sympy.expand(lhs))} &= {sympy.latex(v)}" for lhs, v in self._equations(p))
        solution = (
            r"Each known output is the sum of products of the kernel with the window under it, which gives one "
            r"linear equation per output:\begin{align*}" + equations + r"\end{align*}"
            + "Solving this system: " + ", ".join(rf"${n} = {answers[n].latex}$" for n in names) + ".")
        return Rendered(statement, parts, solution)


def unknowns(kernel) -> list[str]:
    """Names of the unknown kernel entries in row-major order of first appearance."""
    return list(dict.fromkeys(x for row in kernel for x in row if isinstance(x, str)))


def symbols(kernel):
    return tuple(tuple(sympy.Symbol(x) if isinstance(x, str) else x for x in row) for row in kernel)


class Pool(Generator):
    id = "conv.pool"
    forms = {"side": Int(4, 7)}
    title = "Max or average pooling: forward and backward"
    refuses = ("a window larger than the input",
               "upstream of another shape than the output",
               "a max-pooling window with a tie for its maximum")
    labels = {"output": "Y", "input_grad": r"\partial L/\partial X"}
    topics = ("cnn", "backprop")
    params = {"input": Matrix(Num(), max_rows=16, max_cols=16), "mode": Choice("max", "avg"), "size": Int(1, 8),
              "stride": Int(1, 8), "upstream": Matrix(Num(), max_rows=16, max_cols=16)}
    version = 2
    max_abs = 100
    max_denominator = 9

    def sample(self, d):
        mode = d.form_choice("mode", ("max", "avg"))
        size = d.form("size", lambda: 2 if d.chance(0.7) else 3)
        # the usual tiling, or overlapping windows (a pinned 1x1 window can only tile)
        stride = d.form("stride", lambda: d.pick((size, size - 1) if size > 1 else (1,)))
        image = d.value("input", lambda: self._input(d, mode, d.form("side", lambda: self._side(d, size, stride))))
        out = output_shape(shape(image), (size, size), stride, 0)
        upstream = d.value("upstream", lambda: d.integers(out, -2, 3, exclude=(0,)) if min(out) > 0 else ones_like_output(out))
        return {"input": image, "mode": mode, "size": size, "stride": stride, "upstream": upstream}

    def degenerate(self, p, answers):
        if all(x == 1 for row in p["upstream"] for x in row):
            return "an all-ones upstream gradient makes the backward part a 0/1 mask"
        return None

    @staticmethod
    def _side(d, size, stride):
        sides = [n for n in range(4, 8) if n >= size and (n - size) % stride == 0 and 2 <= (n - size) // stride + 1 <= 3]
        return d.pick(sides) if sides else size

    @staticmethod
    def _input(d, mode, side):
        if mode == "max":  # distinct values: a tie for the maximum would make the gradient ambiguous
            values = d.rng.permutation(64)[:side * side] - 12
            return tuple(tuple(int(v) for v in values[r * side:(r + 1) * side]) for r in range(side))
        return d.integers((side, side), 0, 9)

    def check(self, p):
        (h, w), size, s = shape(p["input"]), p["size"], p["stride"]
        if size > min(h, w):
            raise IllPosed("size", f"a {size}x{size} window does not fit the {h}x{w} input")
        out = output_shape((h, w), (size, size), s, 0)
        if shape(p["upstream"]) != out:
            raise IllPosed("upstream", f"must be {out[0]}x{out[1]} like the output")
        if p["mode"] == "max":
            for i in range(out[0]):
                for j in range(out[1]):
                    values = [x for _, x in window(p["input"], (size, size), s, i, j)]
                    if values.count(max(values)) > 1:
                        raise IllPosed("input", f"window ({i + 1}, {j + 1}) has a tie for the maximum "
                                                f"({max(values)}), so the max-pool gradient is ambiguous")

    def solve(self, p):
        image, size, s, up = p["input"], p["size"], p["stride"], p["upstream"]
        out = shape(up)
        grad = [[ZERO] * len(image[0]) for _ in image]
        output = []
        for i in range(out[0]):
            row = []
            for j in range(out[1]):
                cells = window(image, (size, size), s, i, j)
                if p["mode"] == "max":
                    (u, v), best = max(cells, key=lambda cell: cell[1])
                    grad[i * s + u][j * s + v] += up[i][j]
                    row.append(best)
                else:
                    for (u, v), _ in cells:
                        grad[i * s + u][j * s + v] += up[i][j] / size ** 2
                    row.append(sum((x for _, x in cells), ZERO) / size ** 2)
            output.append(tuple(row))
        return {"output": tuple(output), "input_grad": tuple(map(tuple, grad))}

    def render(self, p, answers):
        (h, w), size, s = shape(p["input"]), p["size"], p["stride"]
        kind = "Max" if p["mode"] == "max" else "Average"
        ones = all(x == 1 for row in p["upstream"] for x in row)
        exact = (h - size) % s == 0 and (w - size) % s == 0
        statement = (
            rf"{kind} pooling with a {size}\(\times\){size} window and stride {s} (no padding) is applied to"
            + display("X", p["input"])
            + ("" if exact else "Windows that would run past the edge are dropped (the output size is rounded down). ")
            + ("The gradient of the loss with respect to every output is 1." if ones
               else "The gradient of the loss with respect to the output is" + display(r"\partial L/\partial Y", p["upstream"])))
        parts = (Part("Compute the output $Y$.", ("output",), 2),
                 Part(r"Compute $\partial L/\partial X$.", ("input_grad",), 2))
        rule = (r"Max pooling passes each upstream gradient only to the position of its window's maximum (adding up "
                r"where windows overlap); every other input gets 0."
                if p["mode"] == "max" else
                rf"Average pooling spreads each upstream gradient equally, $\frac{{1}}{{{size * size}}}$ of it to every "
                r"input of its window (adding up where windows overlap).")
        solution = (
            rf"The output has $\lfloor ({h} - {size})/{s} \rfloor + 1 = {len(answers['output'].exact)}$ rows and "
            rf"$\lfloor ({w} - {size})/{s} \rfloor + 1 = {len(answers['output'].exact[0])}$ columns; each entry is the "
            + ("largest" if p["mode"] == "max" else "mean") + " value of its window:"
            + display("Y", answers["output"].exact) + rule + display(r"\frac{\partial L}{\partial X}", answers["input_grad"].exact))
        return Rendered(statement, parts, solution)


# The largest matrix M the matrix question asks for: one a student writes out and a page holds.
MATRIX_ROWS, MATRIX_COLUMNS = 8, 16


def transposed_length(p) -> int:
    return ((p["input_length"] - 1) * p["stride"] - 2 * p["padding"] + p["dilation"] * (p["kernel"] - 1)
            + p["output_padding"] + 1)


class Transposed(Generator):
    id = "conv.transposed"
    forms = {"matrix": Bool()}
    title = "Transposed 1-D convolution: output length and the convolution as a matrix"
    refuses = ("output_padding not smaller than the stride or the dilation",
               "padding that removes the whole output",
               "kernel_values of another length than the kernel, or with too many inputs or outputs for the matrix")
    labels = {"output_length": r"L_{\mathrm{out}}", "matrix": "M"}
    topics = ("cnn", "counting")
    params = {"input_length": Int(1, 1024), "kernel": Int(1, 32), "stride": Int(1, 16), "padding": Int(0, 16),
              "output_padding": Int(0, 15, default=0), "dilation": Int(1, 8, default=1),
              "kernel_values": Vector(Num(), 1, 32, default=None)}
    version = 2
    max_abs = 5000

    def sample(self, d):
        for _ in range(100):
            p = self._draw(d)
            if transposed_length(p) >= 3:
                break
        return p

    @staticmethod
    def _draw(d):
        if "kernel_values" in d.pins:
            matrix = d.pins["kernel_values"] is not None
        else:  # a pinned long signal gets the length question only
            matrix = d.form("matrix", lambda: d.chance(0.5)) and d.pins.get("input_length", 1) <= MATRIX_ROWS
        if matrix:  # the matrix's shape is form; only the kernel's values vary (never 0: a zero tap is a free entry)
            kernel, stride = d.form_int("kernel", 3, 4), d.form_int("stride", 1, 3)
            input_length = d.form_int("input_length", 2, 4)
            padding = d.form("padding", lambda: d.integer(0, 1))
        else:  # one formula: its inputs are values, from a range wide enough that neighbours differ
            kernel, stride = d.int("kernel", 2, 7), d.int("stride", 1, 4)
            input_length = d.int("input_length", 8, 1024)
            padding = d.value("padding", lambda: d.integer(0, min(3, kernel - 1)))
        return {"input_length": input_length, "kernel": kernel, "stride": stride, "padding": padding,
                "output_padding": d.form("output_padding", lambda: d.integer(0, 1) if stride > 1 and d.chance(0.3) else 0),
                "dilation": d.form("dilation", lambda: 1 if d.chance(0.85) or matrix else 2),
                "kernel_values": d.value("kernel_values", lambda: d.integers(kernel, -6, 6, exclude=(0,)) if matrix else None)}

    def check(self, p):
        if p["output_padding"] >= max(p["stride"], p["dilation"]):
            raise IllPosed("output_padding", "must be smaller than the stride or the dilation (as in PyTorch)")
        if transposed_length(p) < 1:
            raise IllPosed("padding", f"{p['padding']} removes the whole output; use less padding")
        if p["kernel_values"] is not None:
            if len(p["kernel_values"]) != p["kernel"]:
                raise IllPosed("kernel_values", f"needs {p['kernel']} values, one per kernel tap")
            if p["output_padding"] >= p["stride"]:
                raise IllPosed("output_padding", "must be smaller than the stride for the matrix question")
            if p["input_length"] > MATRIX_ROWS or transposed_length(p) > MATRIX_COLUMNS:
                raise IllPosed("input_length", f"the matrix question needs at most {MATRIX_ROWS} inputs and "
                                               f"{MATRIX_COLUMNS} outputs, not {p['input_length']} and "
                                               f"{transposed_length(p)}; use a shorter signal or no kernel_values")

    def solve(self, p):
        length = transposed_length(p)
        answers = {"output_length": length}
        if p["kernel_values"] is not None:
            matrix = [[ZERO] * length for _ in range(p["input_length"])]
            for i in range(p["input_length"]):
                for u, w in enumerate(p["kernel_values"]):
                    j = i * p["stride"] + u * p["dilation"] - p["padding"]
                    if 0 <= j < length:
                        matrix[i][j] = w
            answers["matrix"] = tuple(map(tuple, matrix))
        return answers

    def render(self, p, answers):
        extras = "".join(f", {name.replace('_', ' ')} {p[name]}" for name in ("output_padding", "dilation")
                         if p[name] != (0 if name == "output_padding" else 1))
        statement = (
            rf"A 1-D transposed convolution (as \texttt{{torch.nn.ConvTranspose1d}}) with kernel size {p['kernel']}, "
            rf"stride {p['stride']}, padding {p['padding']}{extras} is applied to a signal of length {p['input_length']}.")
        parts = [Part("What is the length of its output?", ("output_length",), 1)]
        solution = (
            r"$L_{\mathrm{out}} = (L_{\mathrm{in}} - 1)\,s - 2p + d\,(k - 1) + \mathrm{output\_padding} + 1 = "
            rf"({p['input_length']} - 1)\cdot{p['stride']} - 2\cdot{p['padding']} + {p['dilation']}\cdot({p['kernel']} - 1)"
            rf" + {p['output_padding']} + 1 = {answers['output_length'].latex}$.")
        if p["kernel_values"] is not None:
            w = ",\\ ".join(sympy.latex(v) for v in p["kernel_values"])
            statement += (
                rf" Its kernel is $w = ({w})$. The convolution (cross-correlation, as \texttt{{F.conv1d}}: the kernel is not "
                r"flipped) with the same kernel, stride, padding and dilation maps a "
                rf"signal as long as the transposed convolution's output back to length {p['input_length']}: write it as "
                r"the matrix $M$ with $y = M x$ (one row per output of that convolution). The transposed convolution is "
                r"multiplication by $M^{\top}$.")
            parts.append(Part("Write down the matrix $M$.", ("matrix",), 2))
            solution += (
                rf" Output $i$ of the convolution reads inputs $j = (i-1)s + (u-1)d - p + 1$ for $u = 1..{p['kernel']}$ "
                r"(1-based) with weight $w_u$, so row $i$ of $M$ holds the kernel shifted by the stride, with taps "
                r"that land in the padding dropped:" + display("M", answers["matrix"].exact)
                + r"The transposed convolution scatters each input through the same weights, i.e. computes $M^{\top} x$.")
        return Rendered(statement, tuple(parts), solution)


class Conv1dMultichannel(Generator):
    id = "conv.conv1d_multichannel"
    forms = {"channels": Int(2, 3), "kernel": Int(2, 3), "outputs": Int(2, 3)}
    title = "A multi-channel 1-D convolution: output and gradients"
    refuses = ("W with another number of rows than x",
               "a filter longer than the input",
               "upstream of another length than the output")
    labels = {"output_length": r"\text{length of } y", "output": "y_#", "dL_dW": r"\partial L/\partial W",
              "dL_dx": r"\partial L/\partial x"}
    topics = ("cnn", "backprop")
    params = {"x": Matrix(Num(-100, 100), max_rows=8, max_cols=32), "W": Matrix(Num(-100, 100), max_rows=8, max_cols=16),
              "stride": Int(1, 8), "upstream": Vector(Num(-100, 100), 1, 32)}
    max_abs = 1000

    def sample(self, d):
        channels, k, stride = d.form_int("channels", 2, 3), d.form_int("kernel", 2, 3), d.form_int("stride", 1, 2)
        outputs = d.form_int("outputs", 2, 3)
        length = (outputs - 1) * stride + k  # the filter tiles the input exactly
        return {"x": d.value("x", lambda: d.integers((channels, length), -3, 3)),
                "W": d.value("W", lambda: d.integers((channels, k), -2, 2)), "stride": stride,
                "upstream": d.value("upstream", lambda: d.integers(outputs, -2, 2, exclude=(0,)))}

    def check(self, p):
        (channels, length), (w_channels, k) = shape(p["x"]), shape(p["W"])
        if w_channels != channels:
            raise IllPosed("W", f"needs {channels} rows, one per input channel (row of x), not {w_channels}")
        if k > length:
            raise IllPosed("W", f"the filter is {k} wide, longer than the input of {length}")
        if len(p["upstream"]) != out_size(length, k, p["stride"]):
            raise IllPosed("upstream", f"needs {out_size(length, k, p['stride'])} entries, one per output")

    def solve(self, p):
        (channels, length), (_, k) = shape(p["x"]), shape(p["W"])
        s, g = p["stride"], p["upstream"]
        n = out_size(length, k, s)
        y = tuple(sum((p["W"][c][u] * p["x"][c][t * s + u] for c in range(channels) for u in range(k)), ZERO)
                  for t in range(n))
        dW = tuple(tuple(sum((g[t] * p["x"][c][t * s + u] for t in range(n)), ZERO) for u in range(k))
                   for c in range(channels))
        dx = tuple(tuple(sum((g[t] * p["W"][c][i - t * s] for t in range(n) if 0 <= i - t * s < k), ZERO)
                         for i in range(length)) for c in range(channels))
        return {"output_length": n, "output": y, "dL_dW": dW, "dL_dx": dx}

    def render(self, p, answers):
        (channels, length), (_, k) = shape(p["x"]), shape(p["W"])
        statement = (
            rf"A 1-D convolution as \texttt{{torch.nn.functional.conv1d}} (cross-correlation: the filter is not "
            rf"flipped) with one filter, stride {p['stride']}, no padding and no bias takes an input "
            rf"of {channels} channels of length {length} (one row per channel) with the filter $W$ of width {k}:"
            + display("x", p["x"]) + display("W", p["W"])
            + rf"so $y_t = \sum_{{c,u}} W_{{c,u}}\, x_{{c,(t-1)s+u}}$ (1-based). The gradient of the loss with respect "
            rf"to the outputs is $\partial L/\partial y = {latex_vector(p['upstream'])}$.")
        parts = (Part("How long is the output?", ("output_length",)),
                 Part("Compute the output $y$.", ("output",), 2),
                 Part(r"Compute $\partial L/\partial W$.", ("dL_dW",), 2),
                 Part(r"Compute $\partial L/\partial x$.", ("dL_dx",), 2))
        solution = (
            rf"Output length $\lfloor ({length} - {k})/{p['stride']} \rfloor + 1 = {answers['output_length'].latex}$; "
            rf"each $y_t$ sums the filter times the window starting at $(t-1) \cdot {p['stride']} + 1$ over every "
            rf"channel: $y = {answers['output'].latex}$. Each weight meets one input per output: "
            r"$\partial L/\partial W_{c,u} = \sum_t \frac{\partial L}{\partial y_t} x_{c,(t-1)s+u}$,"
            + display(r"\frac{\partial L}{\partial W}", answers["dL_dW"].exact)
            + r"and each input collects the weights of every window that covers it, times that output's gradient:"
            + display(r"\frac{\partial L}{\partial x}", answers["dL_dx"].exact))
        return Rendered(statement, parts, solution)


def latex_vector(values) -> str:
    return "(" + ",\\ ".join(sympy.latex(v) for v in values) + ")"


class AsFullyConnected(Generator):
    id = "conv.as_fc"
    forms = {"kernel": Int(3, 4), "outputs": Int(3, 4)}
    title = "A 1-D convolution written as a fully connected layer"
    refuses = ("a filter with more weights than inputs",)
    labels = {"matrix": "M"}
    topics = ("cnn",)
    params = {"n": Int(1, 32), "w": Vector(Num(-100, 100), 1, 8), "stride": Int(1, 4)}
    max_abs = 100

    def sample(self, d):
        k, stride = d.form_int("kernel", 3, 4), d.form_int("stride", 1, 2)
        outputs = d.form_int("outputs", 3, 4)
        return {"n": (outputs - 1) * stride + k, "w": d.value("w", lambda: d.integers(k, -9, 9, exclude=(0,))),
                "stride": stride}

    def check(self, p):
        if len(p["w"]) > p["n"]:
            raise IllPosed("w", f"the filter has {len(p['w'])} weights, more than the {p['n']} inputs")

    def solve(self, p):
        k, s, n = len(p["w"]), p["stride"], p["n"]
        rows = out_size(n, k, s)
        return {"matrix": tuple(tuple(p["w"][c - r * s] if 0 <= c - r * s < k else ZERO for c in range(n))
                                for r in range(rows))}

    def render(self, p, answers):
        k, s, n = len(p["w"]), p["stride"], p["n"]
        rows = out_size(n, k, s)
        names = ", ".join(f"w_{u}" for u in range(1, k + 1))
        statement = (
            rf"A 1-D convolution (cross-correlation, as \texttt{{F.conv1d}}) with stride {s}, no padding, no bias "
            rf"and the filter $({names}) = {latex_vector(p['w'])}$ maps an input $x$ of length {n} to "
            rf"{rows} outputs, $y_t = \sum_u w_u\, x_{{(t-1) \cdot {s} + u}}$. The same map is a fully connected "
            rf"layer $y = M x$ without bias whose {rows}\(\times\){n} matrix $M$ shares the filter's weights.")
        parts = (Part(r"Write $M$, with the values of the weights (0 where an output does not see an input).",
                      ("matrix",), 2),
                 )
        pattern = r" \\ ".join(" & ".join(f"w_{c - r * s + 1}" if 0 <= c - r * s < k else "0" for c in range(n))
                                for r in range(rows))
        solution = (rf"Row $t$ holds the filter starting at column $(t-1) \cdot {s} + 1$: each row is the row above "
                    rf"shifted {s} to the right, the same weights in every row (shared weights), zeros elsewhere:"
                    rf"\[ M = \begin{{bmatrix}}{pattern}\end{{bmatrix}}, \]with the weights' values"
                    + display("M", answers["matrix"].exact))
        return Rendered(statement, parts, solution)
