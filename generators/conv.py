"""Convolution family: an image cross-correlated with a kernel, forward and backward."""

from __future__ import annotations

import sympy

from qbank.errors import IllPosed
from qbank.generator import Generator
from qbank.model import Part, Rendered
from qbank.params import Int, Matrix, Num
from qbank.tex import display, sum_of_products

ZERO = sympy.Integer(0)


def shape(matrix) -> tuple[int, int]:
    return len(matrix), len(matrix[0])


def pad(image, padding: int):
    width = len(image[0]) + 2 * padding
    blank = (ZERO,) * width
    middle = tuple((ZERO,) * padding + tuple(row) + (ZERO,) * padding for row in image)
    return (blank,) * padding + middle + (blank,) * padding


def output_shape(image_shape, kernel_shape, stride: int, padding: int) -> tuple[int, int]:
    return tuple((n + 2 * padding - k) // stride + 1 for n, k in zip(image_shape, kernel_shape))


def window(padded, kernel_shape, stride: int, i: int, j: int):
    """(input, weight-index) pairs that output (i, j) multiplies, 0-based."""
    kh, kw = kernel_shape
    return [((u, v), padded[i * stride + u][j * stride + v]) for u in range(kh) for v in range(kw)]


class ImageKernel(Generator):
    id = "conv.image_kernel"
    title = "Image convolved with a kernel: feature map and gradients"
    topics = ("cnn", "backprop")
    params = {
        "image": Matrix(Num(), max_rows=16, max_cols=16),
        "kernel": Matrix(Num(), max_rows=7, max_cols=7),
        "stride": Int(1, 4),
        "padding": Int(0, 3),
        "upstream": Matrix(Num(), max_rows=16, max_cols=16),
    }
    max_abs = 400

    def sample(self, d):
        stride = d.int("stride", 1, 2)
        size = d.pick((2, 3))
        kernel = d.value("kernel", lambda: d.integers((size, size), -2, 4))
        kh, kw = shape(kernel)
        # Zero padding of 1 only around odd kernels: with a 2x2 kernel it would be lopsided.
        padding = d.value("padding", lambda: d.integer(0, 1) if kh % 2 and kw % 2 else 0)
        image = d.value("image", lambda: d.integers(
            (self._side(d, kh, stride, padding), self._side(d, kw, stride, padding)), 0, 5))
        out = output_shape(shape(image), (kh, kw), stride, padding)
        # at least 1x1 even when the kernel does not fit, so check() can say so
        upstream = d.default("upstream", tuple((1,) * max(out[1], 1) for _ in range(max(out[0], 1))))
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
        output = tuple(tuple(sum((x * kernel[u][v] for (u, v), x in window(padded, (kh, kw), s, i, j)), ZERO)
                             for j in range(ow)) for i in range(oh))
        grad_padded = [[ZERO] * len(padded[0]) for _ in padded]
        kernel_grad = [[ZERO] * kw for _ in range(kh)]
        for i in range(oh):
            for j in range(ow):
                for (u, v), x in window(padded, (kh, kw), s, i, j):
                    grad_padded[i * s + u][j * s + v] += up[i][j] * kernel[u][v]
                    kernel_grad[u][v] += up[i][j] * x
        pad_ = p["padding"]
        input_grad = tuple(tuple(row[pad_:len(row) - pad_]) for row in grad_padded[pad_:len(grad_padded) - pad_])
        return {"count": sympy.Integer(oh * ow), "output": output,
                "input_grad": input_grad, "kernel_grad": tuple(map(tuple, kernel_grad))}

    def render(self, p, answers):
        (h, w), (kh, kw) = shape(p["image"]), shape(p["kernel"])
        s, pad_ = p["stride"], p["padding"]
        oh, ow = shape(p["upstream"])
        ones = all(x == 1 for row in p["upstream"] for x in row)
        padding_text = "no padding" if pad_ == 0 else f"zero padding of {pad_} on every side"
        statement = (
            rf"A convolutional layer (one input channel, one filter, no bias) applies the {kh}\(\times\){kw} kernel $K$ "
            rf"to the {h}\(\times\){w} image $X$ with stride {s} and {padding_text}. As in deep-learning "
            r"libraries (\texttt{torch.nn.functional.conv2d}), convolution here means cross-correlation: "
            r"the kernel is not flipped, "
            r"$Y_{i,j} = \sum_{u,v} X^{\mathrm{pad}}_{(i-1)s+u,\,(j-1)s+v}\, K_{u,v}$ with 1-based indices."
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
            r"Input gradient: every product $X^{\mathrm{pad}}_{(i-1)s+u,(j-1)s+v} K_{u,v}$ sends "
            r"$\frac{\partial L}{\partial Y_{i,j}} K_{u,v}$ back to its input pixel; adding these up "
            + ("(for stride 1 this is the full correlation of the zero-padded upstream gradient with the flipped kernel) "
               if s == 1 else "(a scatter-add of the kernel, scaled by each upstream value, at stride steps) ")
            + ("and dropping the padded border " if pad_ else "")
            + "gives" + display(r"\frac{\partial L}{\partial X}", answers["input_grad"].exact))
        steps.append(
            r"Kernel gradient: $\frac{\partial L}{\partial K_{u,v}} = \sum_{i,j} \frac{\partial L}{\partial Y_{i,j}}\,"
            r"X^{\mathrm{pad}}_{(i-1)s+u,(j-1)s+v}$, the correlation of the input with the upstream gradient, e.g. "
            rf"$\frac{{\partial L}}{{\partial K_{{1,1}}}} = "
            rf"{sum_of_products((p['upstream'][i][j], padded[i * s][j * s]) for i in range(oh) for j in range(ow))}"
            rf" = {sympy.latex(answers['kernel_grad'].exact[0][0])}$; in full"
            + display(r"\frac{\partial L}{\partial K}", answers["kernel_grad"].exact))
        return "\n\n".join(steps)
