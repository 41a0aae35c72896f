"""Training bookkeeping, graphs, losses and regularisation against PyTorch: nn.Linear counts, a
real DataLoader, autograd through the sigmoid graph, a skip block, the torch losses,
F.layer_norm and F.dropout."""

import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional
nn = torch.nn

from test_oracles import assert_close, count, sampled, tensor  # noqa: E402

pytestmark = pytest.mark.oracle


def test_mlp_params_match_nn_linear_layers():
    for seed, answers, p in sampled("mlp.params"):
        sizes = (p["input_size"], *p["hidden"], p["output_size"])
        layers = [count(nn.Linear(a, b, bias=p["bias"], device="meta")) for a, b in zip(sizes, sizes[1:])]
        assert answers["per_layer"].exact == tuple(layers), seed
        assert answers["total"].exact == sum(layers), seed


def test_batches_match_a_dataloader():
    for seed, answers, p in sampled("train.batches"):
        loader = torch.utils.data.DataLoader(range(p["samples"]), batch_size=p["batch_size"], drop_last=p["drop_last"])
        assert answers["iterations_per_epoch"].exact == len(loader), seed
        assert answers["total_iterations"].exact == len(loader) * p["epochs"], seed
        if p["samples"] > 10**5:
            continue  # a pinned epoch of up to 10^9 samples: its batches take minutes to iterate
        sizes = [len(batch) for batch in loader]
        seen = sum(sizes)
        assert len(loader) == len(sizes), seed
        if p["drop_last"]:  # every batch is full: the batch size, given, so no answer
            assert "last_batch" not in answers and set(sizes) <= {p["batch_size"]}, seed
        else:
            assert answers["last_batch"].exact == sizes[-1], seed
        assert answers["dropped"].exact == p["samples"] - seen, seed


def test_sigmoid_graph_matches_autograd():
    for seed, answers, p in sampled("graph.sigmoid"):
        z = tensor(p["z"], grad=True)
        a = -z
        b = torch.exp(a)
        c = 1 + b
        f = 1 / c
        f.backward()
        assert_close(answers["nodes"].exact, torch.stack([a, b, c]), f"seed {seed} nodes")
        assert_close(answers["f"].exact, f, f"seed {seed} f = 1/c")
        assert_close(answers["f"].exact, torch.sigmoid(z), f"seed {seed} f")
        assert_close(answers["df_dz"].exact, z.grad, f"seed {seed} df_dz")


def test_skip_connection_matches_autograd():
    for seed, answers, p in sampled("graph.skip_connection"):
        x, w1, w2 = (tensor(p[k], grad=True) for k in ("x", "w1", "w2"))
        out = w2 * torch.relu(w1 * x) + (x if p["skip"] else 0)
        out.backward()
        assert_close(answers["out"].exact, out, f"seed {seed} out")
        assert_close(answers["dout_dw1"].exact, w1.grad, f"seed {seed} dout_dw1")
        assert_close(answers["dout_dx"].exact, x.grad, f"seed {seed} dout_dx")


def test_softmax_cross_entropy_matches_torch():
    for seed, answers, p in sampled("loss.softmax_ce"):
        z = tensor([p["logits"]], grad=True)
        target = torch.tensor([p["target"] - 1])
        loss = F.cross_entropy(z, target)
        loss.backward()
        C = len(p["logits"])
        uniform = F.cross_entropy(torch.zeros(1, C, dtype=torch.float64), target)
        assert_close(answers["probs"].exact, torch.softmax(z, dim=1)[0], f"seed {seed} probs")
        assert_close(answers["loss"].exact, loss, f"seed {seed} loss")
        assert_close(answers["uniform_loss"].exact, uniform, f"seed {seed} uniform_loss")
        assert_close(answers["grad"].exact, z.grad[0], f"seed {seed} grad")


def test_binary_cross_entropy_matches_torch():
    for seed, answers, p in sampled("loss.bce_grad"):
        z = tensor(p["z"], grad=True)
        loss = F.binary_cross_entropy_with_logits(z, tensor(p["y"]))
        loss.backward()
        assert_close(answers["a"].exact, torch.sigmoid(z), f"seed {seed} a")
        assert_close(answers["loss"].exact, loss, f"seed {seed} loss")
        assert_close(answers["dL_dz"].exact, z.grad, f"seed {seed} dL_dz")


def quadratic_path(p, optimizer_class, **options):
    x = tensor(p["p0"], grad=True)
    optimizer = optimizer_class([x], lr=float(p["lr"]), **options)
    path = []
    for _ in range(p["steps"]):
        optimizer.zero_grad()
        ((tensor(p["a"]) * x + tensor(p["b"])) ** 2).backward()
        optimizer.step()
        path.append(x.detach().clone())
    return optimizer, x, torch.stack(path)


def test_gradient_descent_matches_torch_sgd():
    for seed, answers, p in sampled("optim.gd_steps"):
        _, _, path = quadratic_path(p, torch.optim.SGD)
        assert_close(answers["p"].exact, path, f"seed {seed} p")


def test_momentum_matches_torch_sgd_with_momentum():
    nesterov = 0
    for seed, answers, p in sampled("optim.momentum_step"):
        x = tensor(p["p0"], grad=True)
        # a pinned momentum of 0 is plain SGD: torch keeps no buffer (the velocity is the gradient)
        # and refuses Nesterov without momentum (the same steps)
        momentum = float(p["momentum"])
        optimizer = torch.optim.SGD([x], lr=float(p["lr"]), momentum=momentum, nesterov=p["nesterov"] and momentum > 0)
        path, buffers = [], []
        for _ in range(p["steps"]):
            optimizer.zero_grad()
            ((tensor(p["a"]) * x + tensor(p["b"])) ** 2).backward()
            gradient = x.grad.clone()
            optimizer.step()
            path.append(x.detach().clone())
            buffers.append(optimizer.state[x]["momentum_buffer"].clone() if momentum else gradient)
        nesterov += p["nesterov"]
        assert_close(answers["p"].exact, torch.stack(path), f"seed {seed} p")
        assert_close(answers["velocity"].exact, torch.stack(buffers), f"seed {seed} velocity")
    assert nesterov > 20


def adam_without_bias_correction(p, params, grads, state):
    """Adam's update with the raw moments, written out for the case torch does not offer."""
    beta1, beta2, lr, eps = (float(p[k]) for k in ("beta1", "beta2", "lr", "eps"))
    for i, (theta, g) in enumerate(zip(params, grads)):
        m, v = state.get(i, (0.0, 0.0))
        m, v = beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g * g
        state[i] = (m, v)
        theta -= lr * m / (v.sqrt() + eps)


def test_adam_matches_torch_adam_or_the_raw_moment_update():
    uncorrected = 0
    for seed, answers, p in sampled("optim.adam_step"):
        w, b = tensor(p["w"], grad=True), tensor(p["b"], grad=True)
        optimizer = torch.optim.Adam([w, b], lr=float(p["lr"]), betas=(float(p["beta1"]), float(p["beta2"])),
                                     eps=float(p["eps"]))
        ws, bs, state, y_hat = [], [], {}, None
        for _ in range(p["steps"]):
            logit = w * tensor(p["x"]) + b
            y_hat = torch.sigmoid(logit).detach() if y_hat is None else y_hat
            optimizer.zero_grad()
            # from the logit, as PyTorch advises: through sigmoid's output, 1 - y_hat loses the digits
            # of a pinned weight's near-saturated unit
            F.binary_cross_entropy_with_logits(logit, tensor(p["y"])).backward()
            if p["bias_correction"]:
                optimizer.step()
            else:
                with torch.no_grad():
                    adam_without_bias_correction(p, [w, b], [w.grad, b.grad], state)
            ws.append(w.detach().clone())
            bs.append(b.detach().clone())
        uncorrected += not p["bias_correction"]
        assert_close(answers["y_hat"].exact, y_hat, f"seed {seed} y_hat")
        assert_close(answers["w"].exact, torch.stack(ws), f"seed {seed} w")
        assert_close(answers["b"].exact, torch.stack(bs), f"seed {seed} b")
    assert uncorrected > 20


def test_critical_points_match_autograd_and_eigvalsh():
    for seed, answers, p in sampled("optim.critical_points"):
        a, b, c, d, e = (float(x) for x in p["coeffs"])

        def f(v):
            return a * v[0] ** 2 + b * v[0] * v[1] + c * v[1] ** 2 + d * v[0] + e * v[1]

        point = tensor(answers["point"].exact, grad=True)
        (grad,) = torch.autograd.grad(f(point), point)
        hessian = torch.autograd.functional.hessian(f, point.detach())
        eigenvalues = torch.linalg.eigvalsh(hessian)
        assert torch.allclose(grad, torch.zeros(2, dtype=torch.float64), atol=1e-9), seed
        assert_close(answers["hessian"].exact, hessian, f"seed {seed} hessian")
        assert_close(answers["eigenvalues"].exact, eigenvalues, f"seed {seed} eigenvalues")
        kind = "minimum" if eigenvalues[0] > 0 else "maximum" if eigenvalues[1] < 0 else "saddle"
        assert answers["kind"].exact == kind, seed


def test_init_statistics_match_torch_nn_init_on_the_layer_weight():
    init = {"xavier_uniform": torch.nn.init.xavier_uniform_, "xavier_normal": torch.nn.init.xavier_normal_,
            "he_uniform": lambda t: torch.nn.init.kaiming_uniform_(t, nonlinearity="relu"),
            "he_normal": lambda t: torch.nn.init.kaiming_normal_(t, nonlinearity="relu"),
            "lecun_normal": lambda t: torch.nn.init.kaiming_normal_(t, nonlinearity="linear")}
    generator = torch.Generator().manual_seed(0)
    for seed, answers, p in sampled("init.variance"):
        if not 1000 <= p["fan_in"] * p["fan_out"] <= 4_000_000:
            continue  # a pinned layer too small for a 3 % test of the std, or too large to draw in memory
        torch.manual_seed(int(torch.randint(0, 2**31, (1,), generator=generator)))
        # nn.Linear's layout (fan_in = columns); a layer is drawn again until 20,000 values make the
        # 3 % test about 4 standard errors
        draws = []
        while sum(w.numel() for w in draws) < 20_000:
            weight = torch.empty(p["fan_out"], p["fan_in"])  # float32: 5x faster draws, ample for a 3 % test
            init[p["scheme"]](weight)
            draws.append(weight.flatten())
        weight = torch.cat(draws)
        std = float(answers["std"].exact)
        assert abs(float(weight.std()) / std - 1) < 0.03, f"seed {seed}: std {float(weight.std())} vs {std}"
        if "bound" in answers:
            bound = float(answers["bound"].exact)
            assert float(weight.abs().max()) <= bound * (1 + 1e-6), seed  # float32 rounding
            assert float(weight.abs().max()) > 0.99 * bound, seed


def test_perceptron_epoch_matches_a_numpy_pass():
    import numpy as np

    for seed, answers, p in sampled("perceptron.epoch"):
        X = np.array([[float(v) for v in row] for row in p["X"]])
        y = np.array([float(v) for v in p["y"]])
        w, b, lr = np.array([float(v) for v in p["w0"]]), float(p["b0"]), float(p["lr"])
        ws, bs, mistakes = [], [], 0
        for xi, yi in zip(X, y):
            if yi * (w @ xi + b) <= 0:
                w, b, mistakes = w + lr * yi * xi, b + lr * yi, mistakes + 1
            ws.append(w)
            bs.append(b)
        assert np.allclose([[float(v) for v in row] for row in answers["w"].exact], ws, atol=1e-12), seed
        assert np.allclose([float(v) for v in answers["b"].exact], bs, atol=1e-12), seed
        assert answers["mistakes"].exact == mistakes, seed


def test_divergences_match_numpy():
    import numpy as np

    for seed, answers, p in sampled("info.divergence"):
        P, Q = np.array([float(v) for v in p["p"]]), np.array([float(v) for v in p["q"]])
        log = np.log2 if p["base"] == 2 else np.log
        M = (P + Q) / 2
        assert abs(float(answers["kl_pq"].exact) - np.sum(P * log(P / Q))) < 1e-9, seed
        assert abs(float(answers["kl_qp"].exact) - np.sum(Q * log(Q / P))) < 1e-9, seed
        js = 0.5 * np.sum(P * log(P / M)) + 0.5 * np.sum(Q * log(Q / M))
        assert abs(float(answers["js"].exact) - js) < 1e-9, seed


def test_layer_norm_matches_f_layer_norm():
    for seed, answers, p in sampled("norm.layer_norm"):
        z = tensor(p["z"])
        n = z.shape[1]
        y = F.layer_norm(z, (n,), weight=tensor(p["gamma"]), bias=tensor(p["beta"]), eps=float(p["eps"]))
        z_norm = F.layer_norm(z, (n,), eps=float(p["eps"]))
        assert_close(answers["mean"].exact, z.mean(dim=1), f"seed {seed} mean")
        assert_close(answers["var"].exact, z.var(dim=1, unbiased=False), f"seed {seed} var")
        assert_close(answers["z_norm"].exact, z_norm, f"seed {seed} z_norm")
        assert_close(answers["y"].exact, y, f"seed {seed} y")


def test_dropout_is_what_f_dropout_does_in_training_on_average_and_in_evaluation():
    """20,000 training passes of F.dropout: every entry is 0 or one value, which the key's output has
    where the mask keeps it; their mean is the key's expectation within four standard errors;
    evaluation is F.dropout with training off."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        for seed, answers, p in sampled("reg.dropout"):
            x, drop = tensor(p["x"]), float(p["p"])
            draws = F.dropout(x.expand(20_000, -1), drop, training=True)
            kept = draws.abs().amax(dim=0)  # the value an entry takes when kept
            assert torch.all((draws == 0) | (draws == kept.copysign(x))), seed
            assert_close(answers["train_output"].exact, kept.copysign(x) * tensor(p["mask"]), f"seed {seed} train")
            spread = 4 * draws.std(dim=0) / 20_000 ** 0.5
            assert torch.all((draws.mean(dim=0) - tensor(answers["expected"].exact)).abs() <= spread + 1e-12), seed
            assert_close(answers["eval_output"].exact, F.dropout(x, drop, training=False), f"seed {seed} eval")


def test_mlp_backprop_matches_autograd_and_torch_sgd():
    for seed, answers, p in sampled("mlp.backprop"):
        w1, b1, w2 = tensor(p["W1"]), tensor(p["b1"]), tensor(p["W2"])
        b2 = tensor([p["b2"]])
        params = [torch.nn.Parameter(t) for t in (w1, b1, w2, b2)]
        layer1, layer2 = params[:2], params[2:]
        z1 = layer1[0] @ tensor(p["x"]) + layer1[1]
        h = torch.relu(z1) if p["hidden_activation"] == "relu" else torch.sigmoid(z1)
        z2 = layer2[0] @ h + layer2[1]
        target = tensor([p["y"]])
        if p["loss"] == "mse":
            out, loss = z2, nn.MSELoss()(z2, target)
        else:
            out = torch.sigmoid(z2)
            loss = nn.BCELoss()(out, target)
        loss.backward()
        grads = [t.grad.clone() for t in params]
        optimizer = torch.optim.SGD(params, lr=float(p["lr"]))
        optimizer.step()
        assert_close(answers["hidden"].exact, h, f"seed {seed} hidden")
        assert_close(answers["output"].exact, out[0], f"seed {seed} output")
        assert_close(answers["loss"].exact, loss, f"seed {seed} loss")
        for name, grad in zip(("dL_dW1", "dL_db1", "dL_dW2"), grads):
            assert_close(answers[name].exact, grad, f"seed {seed} {name}")
        assert_close(answers["dL_db2"].exact, grads[3][0], f"seed {seed} dL_db2")
        for name, new in zip(("W1_new", "b1_new", "W2_new"), params):
            assert_close(answers[name].exact, new, f"seed {seed} {name}")
        assert_close(answers["b2_new"].exact, params[3][0], f"seed {seed} b2_new")
