"""Convolution family, architecture side: output shapes, parameter counts,
network summaries, receptive fields and the cost of convolutions."""

from __future__ import annotations

import sympy

from generators.conv import out_size
from qbank.core.errors import IllPosed
from qbank.core.exact import latex
from qbank.core.figures import chain
from qbank.core.generator import Generator
from qbank.core.model import Part, Rendered
from qbank.core.params import Bool, Choice, Int, Records, Vector
from qbank.core.tex import counted, listed

FLOOR_NOTE = "When a kernel does not tile its input exactly, the output size is rounded down (floor), as in PyTorch."


def tiles(n: int, k: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> bool:
    return (n + 2 * padding - dilation * (k - 1) - 1) % stride == 0


def size_formula(n, k, stride, padding, dilation=1) -> str:
    dk = f"{dilation}\\cdot({k}-1)" if dilation != 1 else f"({k}-1)"
    return (rf"\left\lfloor \frac{{{n} + 2\cdot{padding} - {dk} - 1}}{{{stride}}} \right\rfloor + 1"
            rf" = {out_size(n, k, stride, padding, dilation)}")


class OutputShape(Generator):
    id = "conv.output_shape"
    forms = {"floor": Bool(), "square": Bool()}
    title = "Output shape of a convolutional layer"
    refuses = ("a kernel (with its dilation) wider than the padded input",)
    labels = {"out_height": r"\text{output height}", "out_width": r"\text{output width}",
              "out_channels": r"\text{output channels}", "out_values": r"\text{output values}"}
    topics = ("cnn", "counting")
    params = {
        "height": Int(1, 4096), "width": Int(1, 4096), "in_channels": Int(1, 4096),
        "kernel_h": Int(1, 64), "kernel_w": Int(1, 64), "stride": Int(1, 16), "padding": Int(0, 32),
        "dilation": Int(1, 8, default=1), "filters": Int(1, 4096),
    }
    version = 2
    max_abs = 10**8  # the output's value count C H W

    def sample(self, d):
        kernel_h = d.form_choice("kernel_h", (1, 3, 5, 7, 11))
        kernel_w = d.form("kernel_w", lambda: kernel_h if d.chance(0.8) else d.pick((1, 3, 5, 7)))
        stride = d.form_int("stride", 1, 4)
        padding = d.form("padding", lambda: d.integer(0, min(3, kernel_h // 2)))  # at most "same" padding
        dilation = d.form("dilation", lambda: 1 if d.chance(0.8) else 2)
        # with stride > 1, some forms need the floor: the kernel does not tile the input exactly
        floor = d.form("floor", lambda: stride > 1 and d.chance(0.5))
        height = d.value("height", lambda: self._side(d, kernel_h, stride, padding, dilation, floor))
        square = d.form("square", lambda: kernel_w == kernel_h and d.chance(0.7))
        width = d.value("width", lambda: height if square else self._side(d, kernel_w, stride, padding, dilation, floor))
        return {"height": height, "width": width, "in_channels": d.choice("in_channels", (1, 3, 16, 32, 64, 128)),
                "kernel_h": kernel_h, "kernel_w": kernel_w, "stride": stride, "padding": padding,
                "dilation": dilation, "filters": d.choice("filters", (4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 48, 64, 96, 128, 256))}

    @staticmethod
    def _side(d, k, stride, padding, dilation, floor) -> int:
        """An input side of 5..512 that the kernel tiles exactly (or, with floor, overshoots by 1 to
        stride - 1 pixels), when pins allow."""
        sides = [n for o in range(2, 129) if 5 <= (n := (o - 1) * stride + dilation * (k - 1) + 1 - 2 * padding) <= 512]
        side = d.pick(sides) if sides else dilation * (k - 1) + 1
        return side + d.integer(1, stride - 1) if floor and stride > 1 else side

    def check(self, p):
        for side, kernel in (("height", "kernel_h"), ("width", "kernel_w")):
            span = p["dilation"] * (p[kernel] - 1) + 1
            if span > p[side] + 2 * p["padding"]:
                raise IllPosed(kernel, f"the kernel spans {span} pixels, more than the padded {side} "
                                       f"{p[side] + 2 * p['padding']}")

    @staticmethod
    def shape(p):
        return {"out_height": out_size(p["height"], p["kernel_h"], p["stride"], p["padding"], p["dilation"]),
                "out_width": out_size(p["width"], p["kernel_w"], p["stride"], p["padding"], p["dilation"]),
                "out_channels": p["filters"]}

    def solve(self, p):
        answers = self.shape(p)
        return answers | {"out_values": answers["out_height"] * answers["out_width"] * answers["out_channels"]}

    def render(self, p, answers):
        exact = all(tiles(p[s], p[k], p["stride"], p["padding"], p["dilation"])
                    for s, k in (("height", "kernel_h"), ("width", "kernel_w")))
        dilation = f", dilation {p['dilation']}" if p["dilation"] != 1 else ""
        statement = (
            rf"A convolutional layer with {counted(p['filters'], 'filter')} of size {p['kernel_h']}\(\times\){p['kernel_w']} "
            r"(height \(\times\) width), "
            rf"stride {p['stride']}, zero padding of {p['padding']} on every side{dilation} is applied to an input "
            rf"with {counted(p['in_channels'], 'channel')} of height {p['height']} and width {p['width']}. "
            + ("" if exact else FLOOR_NOTE))
        parts = (Part("What is the height of its output?", ("out_height",)),
                 Part("What is the width of its output?", ("out_width",)),
                 Part("How many channels does its output have, and how many values does it hold in all?",
                      ("out_channels", "out_values"), 2))
        solution = (
            r"Each spatial size is $\lfloor (n + 2P - D(K-1) - 1)/S \rfloor + 1$: height "
            rf"${size_formula(p['height'], p['kernel_h'], p['stride'], p['padding'], p['dilation'])}$, width "
            rf"${size_formula(p['width'], p['kernel_w'], p['stride'], p['padding'], p['dilation'])}$. "
            rf"Every filter makes one output channel, so there are ${answers['out_channels'].latex}$; the output is "
            rf"${answers['out_channels'].latex}\times{answers['out_height'].latex}\times{answers['out_width'].latex} = "
            rf"{answers['out_values'].latex}$ values.")
        return Rendered(statement, parts, solution)


class Params(Generator):
    id = "conv.params"
    forms = {"square": Bool()}
    title = "Weights, biases and weight-tensor shape of a convolutional layer"
    labels = {"weights": r"\text{weights}", "biases": r"\text{biases}", "total": r"\text{trainable parameters}",
              "weight_shape": r"\text{weight shape}"}
    topics = ("cnn", "counting")
    params = {"kernel_h": Int(1, 64), "kernel_w": Int(1, 64), "in_channels": Int(1, 4096),
              "filters": Int(1, 4096), "bias": Bool(), "framework": Choice("pytorch", "keras")}
    version = 2
    max_abs = 10_000_000

    def sample(self, d):
        kernel_h = d.choice("kernel_h", (2, 3, 4, 5, 7, 9, 11))
        square = d.form("square", lambda: d.chance(0.85))
        return {"kernel_h": kernel_h, "kernel_w": d.value("kernel_w", lambda: kernel_h if square else d.pick((1, 3, 5))),
                "in_channels": d.choice("in_channels", (1, 3, 4, 6, 8, 12, 16, 24, 32, 40, 48, 64, 96, 128, 192, 256)),
                "filters": d.choice("filters", (4, 6, 8, 10, 12, 16, 20, 24, 32, 48, 64, 96, 128, 256)),
                "bias": d.form("bias", lambda: d.chance(0.8)), "framework": d.form_choice("framework", ("pytorch", "keras"))}

    def solve(self, p):
        kh, kw, c, f = p["kernel_h"], p["kernel_w"], p["in_channels"], p["filters"]
        weights, biases = kh * kw * c * f, f if p["bias"] else 0
        shape = (f, c, kh, kw) if p["framework"] == "pytorch" else (kh, kw, c, f)
        return {"weights": weights, "biases": biases, "total": weights + biases, "weight_shape": shape}

    def render(self, p, answers):
        kh, kw, c, f = p["kernel_h"], p["kernel_w"], p["in_channels"], p["filters"]
        if p["framework"] == "pytorch":
            layer = rf"\texttt{{nn.Conv2d(in\_channels={c}, out\_channels={f}, kernel\_size=({kh}, {kw}), bias={p['bias']})}}"
            layout = r"PyTorch stores the weights as (out\_channels, in\_channels, kernel height, kernel width)"
        else:
            no_bias = r", use\_bias=True" if p["bias"] else r", use\_bias=False"  # explicit, as PyTorch's bias=
            layer = rf"\texttt{{Conv2D(filters={f}, kernel\_size=({kh}, {kw}){no_bias})}} on inputs with {counted(c, 'channel')}"
            layout = "Keras stores the kernel as (kernel height, kernel width, input channels, filters)"
        statement = f"A {'PyTorch' if p['framework'] == 'pytorch' else 'Keras'} layer {layer}."
        parts = (Part("How many weights (excluding biases) does it have?", ("weights",)),
                 Part("How many biases?", ("biases",)),
                 Part("How many trainable parameters in total?", ("total",)),
                 Part("What is the shape of its weight tensor in this framework?", ("weight_shape",)))
        solution = (
            ("The filter" if f == 1 else f"Each of the {f} filters")
            + (" spans its one input channel" if c == 1 else f" spans all {c} input channels")
            + rf": ${kh}\cdot{kw}\cdot{c}\cdot{f} = "
            rf"{answers['weights'].latex}$ weights, "
            + (rf"plus one bias per filter, ${answers['biases'].latex}$" if p["bias"] else rf"and no biases (${answers['biases'].latex}$)")
            + rf"; ${answers['total'].latex}$ parameters in total. {layout}: ${answers['weight_shape'].latex}$.")
        return Rendered(statement, parts, solution)


LAYER_TYPES = {
    "conv": {"filters": Int(1, 4096), "kernel": Int(1, 15), "stride": Int(1, 8, default=1),
             "padding": Choice("valid", "same", default="valid")},
    "pool": {"size": Int(1, 16), "stride": Int(1, 16, default=None)},
    "flatten": {},
    "dense": {"units": Int(1, 100_000)},
}


def layer_box(layer) -> str:
    """A layer as a figure's box: its type on the first line, its sizes on the second."""
    kind = layer["type"]
    if kind == "conv":
        k = layer["kernel"]
        return rf"Conv2D {layer['filters']}\\ ${k}\times{k}$, s{layer['stride']}, {layer['padding']}"
    if kind == "pool":
        return rf"MaxPooling2D\\ ${layer['size']}\times{layer['size']}$, s{layer['stride'] or layer['size']}"
    return "Flatten" if kind == "flatten" else rf"Dense\\ {counted(layer['units'], 'unit')}"


def describe_layer(layer) -> str:
    kind = layer["type"]
    if kind == "conv":
        return (rf"Conv2D: {counted(layer['filters'], 'filter')} of {layer['kernel']}\(\times\){layer['kernel']}, stride "
                rf"{layer['stride']}, padding ``{layer['padding']}''")
    if kind == "pool":
        return rf"MaxPooling2D: {layer['size']}\(\times\){layer['size']} window, stride {layer['stride'] or layer['size']}"
    return "Flatten" if kind == "flatten" else f"Dense: {counted(layer['units'], 'unit')}"


def summarise(input_shape, layers):
    """(shape, parameters) after each layer, channels last; raises IllPosed on a layer that cannot apply."""
    shape, rows = tuple(input_shape), []
    for i, layer in enumerate(layers, 1):
        kind, where = layer["type"], f"layers[{i}]"
        if kind in ("conv", "pool") and len(shape) != 3:
            raise IllPosed(where, f"a {kind} layer needs an H x W x C input, but it follows a flatten or dense layer")
        if kind == "dense" and len(shape) != 1:
            raise IllPosed(where, "a dense layer needs a flat input; put a flatten layer before it")
        if kind == "conv":
            h, w, c = shape
            k, s = layer["kernel"], layer["stride"]
            if layer["padding"] == "same":
                if k % 2 == 0 or s != 1:
                    raise IllPosed(where, "'same' padding is only used with an odd kernel at stride 1")
                out = (h, w, layer["filters"])
            else:
                if k > min(h, w):
                    raise IllPosed(where, f"a {k}x{k} kernel does not fit the {h}x{w} input")
                out = (out_size(h, k, s), out_size(w, k, s), layer["filters"])
            rows.append((out, (k * k * c + 1) * layer["filters"]))
        elif kind == "pool":
            h, w, c = shape
            size, s = layer["size"], layer["stride"] or layer["size"]
            if size > min(h, w):
                raise IllPosed(where, f"a {size}x{size} pooling window does not fit the {h}x{w} input")
            rows.append(((out_size(h, size, s), out_size(w, size, s), c), 0))
        elif kind == "flatten":
            if len(shape) != 3:
                raise IllPosed(where, "flatten needs an H x W x C input")
            rows.append(((shape[0] * shape[1] * shape[2],), 0))
        else:
            rows.append(((layer["units"],), (shape[0] + 1) * layer["units"]))
        shape = rows[-1][0]
    return rows


class NetworkSummary(Generator):
    id = "conv.network_summary"
    forms = {"channels": Choice(1, 3), "paddings": Vector(Choice("valid", "same"), 2, 3), "hidden_dense": Bool()}
    title = "Layer-by-layer output shapes and parameters of a small CNN (a Keras summary)"
    refuses = ("a layer that does not fit its input (a kernel or window too large, 'same' with an even kernel or "
               "a stride, a layer after the wrong kind)",)
    labels = {"shapes": r"\text{layer #}", "params": r"\text{layer #}",
              "total": r"\text{parameters in total}"}
    topics = ("cnn", "counting")
    params = {"input": Vector(Int(1, 4096), 3, 3), "layers": Records(types=LAYER_TYPES, max_len=16)}
    version = 2
    max_abs = 5_000_000

    def sample(self, d):
        for _ in range(200):
            p = {"input": d.value("input", lambda: (d.pick((28, 32, 64, 100, 128)),) * 2 + (d.form_choice("channels", (1, 3)),)),
                 "layers": d.value("layers", lambda: self._layers(d))}
            try:
                rows = summarise(p["input"], p["layers"])
            except IllPosed:
                continue
            if sum(r[1] for r in rows) <= self.max_abs and rows[-1][0][0] <= 4096:
                break
        return p

    @staticmethod
    def _layers(d):
        layers = []
        paddings = d.form("paddings", lambda: tuple(d.pick(("valid", "same")) for _ in range(d.integer(2, 3))))
        for padding in paddings:
            layers.append({"type": "conv", "filters": d.pick((4, 6, 8, 12, 16, 24, 32, 48, 64)), "kernel": d.pick((3, 5)),
                           "stride": 1, "padding": padding})
            layers.append({"type": "pool", "size": 2, "stride": None})
        layers.append({"type": "flatten"})
        if d.form("hidden_dense", lambda: d.chance(0.6)):
            layers.append({"type": "dense", "units": d.pick((16, 20, 32, 50, 64, 100, 128))})
        layers.append({"type": "dense", "units": d.pick((1, 2, 3, 5, 10))})
        return tuple(layers)

    def check(self, p):
        summarise(p["input"], p["layers"])

    def solve(self, p):
        rows = summarise(p["input"], p["layers"])
        return {"shapes": tuple(tuple(shape) for shape, _ in rows),
                "params": tuple(n for _, n in rows), "total": sum(n for _, n in rows)}

    def render(self, p, answers):
        h, w, c = p["input"]
        boxes = [rf"Input\\ ${h}\times{w}\times{c}$"] + [layer_box(layer) for layer in p["layers"]]
        statement = (
            rf"A Keras model takes {h}\(\times\){w}\(\times\){c} inputs (height, width, channels) and applies, in order, "
            "the layers below (Conv2D: filters, kernel, stride and padding; MaxPooling2D: window and stride; "
            "Dense: units)." + chain(boxes) +
            r"Conv and dense layers have biases. ``valid'' padding adds no zeros; ``same'' padding keeps height and "
            "width (odd kernels, stride 1). Pooling and convolution sizes are rounded down when the window does not "
            "tile the input exactly.")
        parts = (Part("Give the output shape of every layer.", ("shapes",), 2),
                 Part("Give the number of parameters of every layer.", ("params",), 2),
                 Part("How many parameters does the model have in total?", ("total",), 1))
        rows = " \\\\\n".join(
            rf"{i} & {describe_layer(layer).split(':')[0]} & ${latex(shape)}$ & ${sympy.latex(n)}$"
            for i, (layer, shape, n) in enumerate(zip(p["layers"], answers["shapes"].exact, answers["params"].exact), 1))
        solution = (
            r"Convolution: output side $\lfloor (n - k)/s \rfloor + 1$ for ``valid'' ($n$ for ``same''), "
            r"$(k\cdot k\cdot C_{\mathrm{in}} + 1)\cdot F$ parameters. Pooling: side $\lfloor (n - k)/s \rfloor + 1$, "
            r"no parameters. Flatten multiplies the sizes. Dense: $(n_{\mathrm{in}} + 1)\cdot$units parameters."
            "\n\n\\begin{center}\\begin{tabular}{rlll}\nlayer & type & output shape & parameters \\\\ \\hline\n"
            + rows + "\n\\end{tabular}\\end{center}\n\n"
            rf"Shapes ${answers['shapes'].latex}$, parameters ${answers['params'].latex}$, "
            rf"${answers['total'].latex}$ parameters in total.")
        return Rendered(statement, parts, solution)


def receptive_steps(layers):
    """(field before, kernel, jump, field after) per layer; the jump is the product of earlier strides."""
    field, jump, steps = 1, 1, []
    for layer in layers:
        steps.append((field, layer["kernel"], jump, field + (layer["kernel"] - 1) * jump))
        field, jump = steps[-1][3], jump * layer["stride"]
    return steps


class ReceptiveField(Generator):
    id = "conv.receptive_field"
    forms = {"depth": Int(3, 4)}
    title = "Receptive field of stacked convolution and pooling layers"
    labels = {"receptive_field": "r_#"}
    topics = ("cnn", "counting")
    params = {"layers": Records({"kernel": Int(1, 64), "stride": Int(1, 16, default=1)}, max_len=10)}
    version = 2
    max_abs = 1000

    def sample(self, d):
        def layers():
            return tuple({"kernel": d.integer(2, 9), "stride": d.pick((1, 1, 2, 2, 3, 4))}
                         for _ in range(d.form_int("depth", 3, 4)))
        for _ in range(200):
            p = {"layers": d.value("layers", layers)}
            if self.solve(p)["receptive_field"][-1] <= 200:
                break
        return p

    def solve(self, p):
        return {"receptive_field": tuple(after for _, _, _, after in receptive_steps(p["layers"]))}

    def render(self, p, answers):
        # short labels (k, s defined in the sentence) keep the boxes narrow and the arrows between them long
        boxes = ["Input"] + [rf"Layer {i}\\ $k = {layer['kernel']}$, $s = {layer['stride']}$"
                             for i, layer in enumerate(p["layers"], 1)]
        statement = (
            "A stack of convolution or pooling layers (square windows, no dilation; a pooling layer counts like a "
            "convolution with its window and stride) has, from the input upwards, these kernel sizes $k$ and "
            "strides $s$:" + chain(boxes)
            + "The receptive field of a unit is the side, in input pixels, of the input region "
              "it depends on.")
        parts = (Part("Give the receptive field of one unit after every layer.", ("receptive_field",), 2),)
        steps = [rf"$r_{i} = {before} + ({kernel} - 1)\cdot {jump} = {after}$"
                 for i, (before, kernel, jump, after) in enumerate(receptive_steps(p["layers"]), 1)]
        solution = (r"With $r_0 = 1$ and $r_k = r_{k-1} + (f_k - 1)\prod_{i<k} s_i$ (each layer widens the field by "
                    r"its extra kernel taps, spaced by the product of the earlier strides): "
                    + ", ".join(steps) + rf". So ${answers['receptive_field'].latex}$.")
        return Rendered(statement, parts, solution)


class Multiplications(Generator):
    id = "conv.multiplications"
    forms = {"kernels": Vector(Choice(1, 3, 5), 2, 3)}
    title = "Multiplications of a stack of convolutions (e.g. a 1x1 bottleneck)"
    refuses = ("a kernel that does not fit the padded input",)
    labels = {"per_layer": r"\text{layer #}", "total": r"\text{multiplications in total}"}
    topics = ("cnn", "cost", "counting")
    params = {"height": Int(1, 4096), "width": Int(1, 4096), "in_channels": Int(1, 4096),
              "layers": Records({"kernel": Int(1, 15), "filters": Int(1, 4096), "stride": Int(1, 8, default=1),
                                 "padding": Int(0, 8, default=0)}, max_len=6)}
    version = 2
    max_abs = 10**11

    def sample(self, d):
        side = d.pick((14, 16, 28, 32, 48, 50, 56, 64))
        def layers():
            out = []
            for k in d.form("kernels", lambda: tuple(d.pick((1, 1, 3, 5)) for _ in range(d.integer(2, 3)))):
                out.append({"kernel": k, "filters": d.pick((16, 24, 32, 48, 50, 64, 75, 96, 128)), "stride": 1,
                            "padding": k // 2})
            return tuple(out)
        return {"height": d.value("height", lambda: side), "width": d.value("width", lambda: side),
                "in_channels": d.choice("in_channels", (3, 16, 64, 128, 192, 256)), "layers": d.value("layers", layers)}

    def _shapes(self, p):
        h, w, c, shapes = p["height"], p["width"], p["in_channels"], []
        for i, layer in enumerate(p["layers"], 1):
            k, s, pad = layer["kernel"], layer["stride"], layer["padding"]
            if k > min(h, w) + 2 * pad:
                raise IllPosed(f"layers[{i}]", f"a {k}x{k} kernel does not fit the padded {h + 2 * pad}x{w + 2 * pad} input")
            shapes.append((out_size(h, k, s, pad), out_size(w, k, s, pad), c, layer))
            h, w, c = shapes[-1][0], shapes[-1][1], layer["filters"]
        return shapes

    def check(self, p):
        self._shapes(p)

    def solve(self, p):
        per_layer = tuple(h * w * l["kernel"] ** 2 * c * l["filters"] for h, w, c, l in self._shapes(p))
        return {"per_layer": per_layer, "total": sum(per_layer)}

    def render(self, p, answers):
        listing = "\n".join(rf"\item {counted(l['filters'], 'filter')} of {l['kernel']}\(\times\){l['kernel']}, stride {l['stride']}, "
                            + ("no padding" if l["padding"] == 0 else f"zero padding of {l['padding']} on each side")
                            for l in p["layers"])
        statement = (
            rf"An input of height {p['height']}, width {p['width']} and {counted(p['in_channels'], 'channel')} goes through "
            "these convolutions in turn:\n\\begin{enumerate}\n" + listing + "\n\\end{enumerate}\n"
            "Count multiplications only (no additions, no biases): every output value of a layer costs one "
            "multiplication per kernel weight it uses. Sizes are rounded down when a kernel does not tile its input.")
        parts = (Part("How many multiplications does each layer make?", ("per_layer",), 2),
                 Part("How many in total?", ("total",), 1))
        steps = [rf"layer {i}: output ${h}\times{w}$, ${h}\cdot{w}\cdot{l['kernel']}\cdot{l['kernel']}\cdot{c}\cdot"
                 rf"{l['filters']} = {sympy.latex(n)}$"
                 for i, ((h, w, c, l), n) in enumerate(zip(self._shapes(p), answers["per_layer"].exact), 1)]
        solution = (r"Multiplications $= H_{\mathrm{out}} W_{\mathrm{out}}\, k_h k_w\, C_{\mathrm{in}} C_{\mathrm{out}}$, "
                    r"with $C_{\mathrm{in}}$ the previous layer's filters: " + "; ".join(steps)
                    + rf". Per layer ${answers['per_layer'].latex}$, in total ${answers['total'].latex}$.")
        return Rendered(statement, parts, solution)


class DepthwiseSeparable(Generator):
    id = "conv.depthwise_separable"
    title = "A depthwise separable convolution against a standard one"
    refuses = ("'same' padding with a stride other than 1 or an even kernel", "a kernel larger than the input")
    labels = {"standard_params": r"\text{parameters, standard}", "separable_params": r"\text{parameters, separable}",
              "standard_mults": r"\text{multiplications, standard}",
              "separable_mults": r"\text{multiplications, separable}",
              "ratio": r"\text{multiplications, separable / standard}"}
    topics = ("cnn", "cost", "counting")
    params = {"height": Int(1, 4096), "width": Int(1, 4096), "in_channels": Int(1, 4096), "out_channels": Int(1, 4096),
              "kernel": Int(1, 15), "stride": Int(1, 4), "padding": Choice("same", "valid"), "bias": Bool()}
    max_abs = 10**13
    max_denominator = 100

    def sample(self, d):
        padding = d.form_choice("padding", ("same", "valid"))
        kernel = d.form_choice("kernel", (3, 5))
        stride = d.value("stride", lambda: 1 if padding == "same" else d.pick((1, 2)))
        side = d.value("height", lambda: 2 * d.integer(4, 64) + (0 if padding == "same" else
                                                                    kernel - 1 if stride == 1 else kernel - 2))
        return {"height": side, "width": d.value("width", lambda: side),  # valid: the kernel tiles the input
                "in_channels": d.value("in_channels", lambda: 8 * d.integer(1, 32)),
                # the ratio 1/C_out + 1/k^2 stays a fraction over at most 100
                "out_channels": d.choice("out_channels", (18, 36, 45, 90) if kernel == 3 else (25, 50, 100)),
                "kernel": kernel, "stride": stride, "padding": padding, "bias": d.form("bias", lambda: d.chance(0.5))}

    def check(self, p):
        if p["padding"] == "same":
            if p["stride"] != 1:
                raise IllPosed("stride", "'same' padding keeps the size only with stride 1 (as PyTorch requires)")
            if p["kernel"] % 2 == 0:
                raise IllPosed("kernel", "'same' padding needs an odd kernel here (equal padding on both sides)")
        for side in ("height", "width"):
            if p["padding"] == "valid" and p[side] < p["kernel"]:
                raise IllPosed("kernel", f"is larger than the {side} {p[side]}")

    def output(self, p):
        if p["padding"] == "same":
            return p["height"], p["width"]
        return tuple((p[s] - p["kernel"]) // p["stride"] + 1 for s in ("height", "width"))

    def solve(self, p):
        k2, c_in, c_out, b = p["kernel"] ** 2, p["in_channels"], p["out_channels"], p["bias"]
        h, w = self.output(p)
        standard = k2 * c_in * c_out + (c_out if b else 0)
        separable = k2 * c_in + (c_in if b else 0) + c_in * c_out + (c_out if b else 0)
        standard_mults, separable_mults = h * w * k2 * c_in * c_out, h * w * (k2 * c_in + c_in * c_out)
        return {"standard_params": standard, "separable_params": separable,
                "standard_mults": standard_mults, "separable_mults": separable_mults,
                "ratio": sympy.Rational(separable_mults, standard_mults)}

    def render(self, p, answers):
        k, c_in, c_out = p["kernel"], p["in_channels"], p["out_channels"]
        h, w = self.output(p)
        padding = ("``same'' padding (the output keeps height and width)" if p["padding"] == "same"
                   else "``valid'' padding (no zeros)")
        # which convolution carries the stride, in words: the standard one and the depthwise one
        # (as in MobileNet); the pointwise 1x1 convolution always has stride 1
        stride = (" and stride 1" if p["stride"] == 1 else
                  f"; the standard convolution and the depthwise one have stride {p['stride']}, the pointwise "
                  r"1\(\times\)1 convolution has stride 1")
        statement = (
            rf"An input of {counted(c_in, 'channel')} of {p['height']}\(\times\){p['width']} goes through either a standard "
            rf"convolution with {counted(c_out, 'filter')} of {k}\(\times\){k}, or a depthwise separable one: a depthwise "
            rf"{k}\(\times\){k} convolution (one filter per input channel, \texttt{{groups={c_in}}}) followed by a "
            rf"pointwise 1\(\times\)1 convolution to {counted(c_out, 'channel')}. Both use {padding}"
            + stride + "; every convolution "
            + ("has a bias per output channel" if p["bias"] else "has no bias")
            + ". Count multiplications as one per weight per output position (biases add none).")
        parts = (Part("How many parameters does the standard convolution have?", ("standard_params",)),
                 Part("How many parameters does the depthwise separable one have?", ("separable_params",)),
                 Part("How many multiplications does each need for one input?", ("standard_mults", "separable_mults"), 2),
                 Part("What is the ratio of the separable's multiplications to the standard's?", ("ratio",)))
        solution = (rf"The output is {h}\(\times\){w}. Standard: ${k}^2\cdot{c_in}\cdot{c_out}"
                    + (f" + {c_out}" if p["bias"] else "") + f" = {answers['standard_params'].latex}$ parameters, "
                    rf"${h}\cdot{w}\cdot{k}^2\cdot{c_in}\cdot{c_out} = {answers['standard_mults'].latex}$ "
                    rf"multiplications. Separable: ${k}^2\cdot{c_in}" + (rf" + {c_in}" if p["bias"] else "")
                    + rf" + {c_in}\cdot{c_out}" + (rf" + {c_out}" if p["bias"] else "")
                    + rf" = {answers['separable_params'].latex}$ parameters, ${h}\cdot{w}\cdot({k}^2\cdot{c_in} + "
                    rf"{c_in}\cdot{c_out}) = {answers['separable_mults'].latex}$ multiplications. Ratio "
                    rf"$\frac{{1}}{{{c_out}}} + \frac{{1}}{{{k}^2}} = {answers['ratio'].latex}$.")
        return Rendered(statement, parts, solution)


class TextCnn(Generator):
    id = "conv.text_cnn"
    forms = {"width_count": Int(2, 3)}
    title = "Shapes and parameters of a sentence-classification CNN"
    refuses = ("a filter wider than the sentence",)
    labels = {"shapes": r"\text{shapes: convolutions, pooled vector, output}",
              "params": r"\text{parameters: convolutions, dense layer}", "total": r"\text{parameters in total}"}
    topics = ("cnn", "nlp", "counting")
    params = {"embedding_size": Int(1, 4096), "sentence_length": Int(1, 4096), "widths": Vector(Int(1, 32), 1, 6),
              "filters": Int(1, 1024), "classes": Int(2, 1000)}
    max_abs = 10**8

    def sample(self, d):
        count = d.form_int("width_count", 2, 3)  # how many widths: the same in every version of a slot
        widths = d.value("widths", lambda: tuple(sorted(int(w) for w in d.rng.choice(range(1, 8), count, replace=False))))
        return {"embedding_size": d.value("embedding_size", lambda: 10 * d.integer(3, 30)),
                "sentence_length": d.int("sentence_length", 20, 80), "widths": widths,
                "filters": d.value("filters", lambda: 10 * d.integer(5, 30)), "classes": d.int("classes", 2, 10)}

    def check(self, p):
        if max(p["widths"]) > p["sentence_length"]:
            raise IllPosed("widths", f"a filter of width {max(p['widths'])} is wider than the sentence of "
                                     f"{p['sentence_length']} tokens")

    def solve(self, p):
        E, L, F, C = p["embedding_size"], p["sentence_length"], p["filters"], p["classes"]
        k = len(p["widths"])
        shapes = tuple((F, L - w + 1) for w in p["widths"]) + ((k * F,), (C,))
        params = tuple(w * E * F + F for w in p["widths"]) + (k * F * C + C,)
        return {"shapes": shapes, "params": params, "total": sum(params)}

    def render(self, p, answers):
        E, L, F, C = p["embedding_size"], p["sentence_length"], p["filters"], p["classes"]
        k = len(p["widths"])
        # "of widths 3 and 3" counts the convolutions a pinned repeat makes; "for each width 3, 3" did not
        convolutions = (f"{counted(k, 'convolution')} of width{'s' if k > 1 else ''} {listed(p['widths'])}, "
                        f"{'each ' if k > 1 else ''}with {counted(F, 'filter')}")
        statement = (
            f"A sentence classifier reads {counted(L, 'token')}, each a word embedding of size {E} (the embeddings "
            f"are given, not trained here). It has {convolutions}: a 1-D convolution over the "
            f"tokens (as \\texttt{{nn.Conv1d({E}, {F}, width)}}: stride 1, no padding, a bias per filter) followed "
            f"by max-over-time pooling, which keeps the largest value of each filter over the sentence. The pooled "
            f"values of all widths are concatenated and a dense softmax layer with {C} outputs (with biases) "
            f"classifies the sentence.")
        parts = (Part("Give the output shape (filters, positions) of each convolution, the shape of the "
                      "concatenated pooled vector, and the shape of the output.", ("shapes",), 2),
                 Part("Give the number of parameters of each convolution and of the dense layer.", ("params",), 2),
                 Part("How many parameters does the classifier have in total?", ("total",)))
        convs = ", ".join(rf"${w}\cdot{E}\cdot{F} + {F}$" for w in p["widths"])
        solution = (f"A convolution of width $w$ over {counted(L, 'token')} gives $({F}, {L} - w + 1)$; pooling keeps "
                    f"{counted(F, 'value')} per convolution, so the concatenation has ${len(p['widths'])}\\cdot{F}$ values and the output {C}. "
                    f"Shapes ${answers['shapes'].latex}$. Parameters: convolutions {convs}, dense "
                    f"${len(p['widths'])}\\cdot{F}\\cdot{C} + {C}$: ${answers['params'].latex}$, total "
                    f"${answers['total'].latex}$.")
        return Rendered(statement, parts, solution)
