"""The recurrent family against PyTorch: module parameter counts, nn.RNN / nn.LSTMCell
forward values, autograd through hand-written torch cells, and a torch LIF neuron
with its own surrogate-gradient autograd function."""

import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional
nn = torch.nn

from test_oracles import assert_close, count, recurrent_count, sampled, tensor  # noqa: E402

pytestmark = pytest.mark.oracle
META = {"device": "meta"}


def head_and_embedding(p, bias):
    head = count(nn.Linear(p["hidden_size"], p["output_size"], bias=bias, **META)) if p["output_size"] else 0
    embedding = count(nn.Embedding(p["vocab_size"], p["input_size"], **META)) if p["vocab_size"] else 0
    return head, embedding


@pytest.mark.parametrize("gen_id, module_class, name", [("rnn.params", nn.RNN, "rnn"), ("gru.param_count", nn.GRU, "gru")])
def test_rnn_and_gru_counts_match_torch_modules(gen_id, module_class, name):
    for seed, answers, p in sampled(gen_id):
        vectors = p["bias_vectors"] if "bias_vectors" in p else (0 if not p["bias"] else 1 if p["convention"] == "keras" else 2)
        layer = recurrent_count(module_class, p, vectors)
        head, embedding = head_and_embedding(p, vectors > 0)
        assert (answers[name].exact, answers["head"].exact) == (layer, head), f"{gen_id} seed {seed}"
        assert answers["total"].exact == layer + head + embedding, f"{gen_id} seed {seed}"


def test_hidden_size_from_the_count_rebuilds_an_lstm_with_that_count():
    for seed, answers, p in sampled("lstm.hidden_from_params"):
        hidden = int(answers["hidden_size"].exact)
        vectors = 1 if p["convention"] == "keras" else 2
        assert recurrent_count(nn.LSTM, {"input_size": p["input_size"], "hidden_size": hidden}, vectors) == p["total"], seed
        if hidden > 1:  # and one less would not do: the count grows with H
            smaller = recurrent_count(nn.LSTM, {"input_size": p["input_size"], "hidden_size": hidden - 1}, vectors)
            assert smaller < p["total"], seed
        lstm = nn.LSTM(p["input_size"], hidden, device="meta")
        assert answers["input_weights"].exact == lstm.weight_ih_l0.numel(), seed


def test_lstm_gate_answers_reproduce_torch_lstm_cell():
    torch.manual_seed(0)
    for seed, answers, p in sampled("lstm.gates"):
        cell = nn.LSTMCell(2, 3, dtype=torch.float64)
        x, h, c = (torch.randn(1, n, dtype=torch.float64) for n in (2, 3, 3))
        pre = F.linear(x, cell.weight_ih, cell.bias_ih) + F.linear(h, cell.weight_hh, cell.bias_hh)
        torch_gate = dict(zip(("input", "forget", "candidate", "output"), pre.chunk(4, dim=1)))  # torch's i, f, g, o order
        # g_k as the question writes them: g_k is whichever torch gate the answer says it is
        g = {int(answers[name].exact): torch.sigmoid(torch_gate[name]) for name in ("forget", "input", "output")}
        order = {name: int(answers[name].exact) for name in ("forget", "input", "output")}
        c_new = g[order["forget"]] * c + g[order["input"]] * torch.tanh(torch_gate["candidate"])
        h_new = g[order["output"]] * torch.tanh(c_new)
        h_torch, c_torch = cell(x, (h, c))
        assert torch.allclose(c_new, c_torch) and torch.allclose(h_new, h_torch), seed
        assert p["order"][order["forget"] - 1] == "forget"


def test_linear_bptt_matches_autograd():
    for seed, answers, p in sampled("rnn.linear_bptt"):
        w = tensor(p["w"], grad=True)
        h, states = tensor(p["h0"]), []
        for u in p["u"]:
            h = w * (tensor(u) + h)
            states.append(h)
        h.backward()
        assert_close(answers["h"].exact, torch.stack(states), f"seed {seed} h")
        assert_close(answers["dhT_dw"].exact, w.grad, f"seed {seed} dhT_dw")


def test_rnn_forward_matches_nn_rnn_and_an_output_layer():
    for seed, answers, p in sampled("rnn.forward"):
        H, D = len(p["W_xh"]), len(p["x"][0])
        rnn = nn.RNN(D, H, nonlinearity=p["hidden_activation"], batch_first=True, dtype=torch.float64)
        with torch.no_grad():
            rnn.weight_ih_l0.copy_(tensor(p["W_xh"]))
            rnn.weight_hh_l0.copy_(tensor(p["W_hh"]))
            rnn.bias_ih_l0.copy_(tensor(p["b_h"]))
            rnn.bias_hh_l0.zero_()
            states, _ = rnn(tensor([p["x"]]), tensor([[p["h0"]]]))
        a = F.linear(states[0], tensor(p["W_hy"]), tensor(p["b_y"]))
        y = {"identity": lambda v: v, "sigmoid": torch.sigmoid, "relu": torch.relu,
             "softmax": lambda v: torch.softmax(v, dim=1)}[p["output_activation"]](a)
        assert_close(answers["h"].exact, states[0], f"seed {seed} h")
        assert_close(answers["y"].exact, y, f"seed {seed} y")


def test_lstm_forward_matches_nn_lstm_cell_and_its_gates():
    for seed, answers, p in sampled("lstm.forward"):
        cell = nn.LSTMCell(1, 1, dtype=torch.float64)
        w = p["weights"]
        with torch.no_grad():  # torch stacks the gates as i, f, g, o
            cell.weight_ih.copy_(tensor([[w[k][0]] for k in "ifgo"]))
            cell.weight_hh.copy_(tensor([[w[k][1]] for k in "ifgo"]))
            cell.bias_ih.copy_(tensor([w[k][2] for k in "ifgo"]))
            cell.bias_hh.zero_()
            h, c = tensor([[p["h0"]]]), tensor([[p["c0"]]])
            gates, cs, hs = [], [], []
            for x in p["x"]:
                pre = F.linear(tensor([[x]]), cell.weight_ih, cell.bias_ih) + F.linear(h, cell.weight_hh)
                i, f, g, o = pre[0]
                gates.append((torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o), torch.tanh(g)))
                h, c = cell(tensor([[x]]), (h, c))
                hs.append(h[0, 0])
                cs.append(c[0, 0])
        for k, name in enumerate("ifog"):
            assert_close(answers[name].exact, torch.stack([step[k] for step in gates]), f"seed {seed} {name}")
        assert_close(answers["c"].exact, torch.stack(cs), f"seed {seed} c")
        assert_close(answers["h"].exact, torch.stack(hs), f"seed {seed} h")


class Spike(torch.autograd.Function):
    """Heaviside forward (H(0) = 1), fast-sigmoid-squared surrogate backward."""

    @staticmethod
    def forward(ctx, xi, k):
        ctx.save_for_backward(xi)
        ctx.k = k
        return (xi >= 0).to(xi.dtype)

    @staticmethod
    def backward(ctx, grad):
        (xi,) = ctx.saved_tensors
        return grad / (1 + ctx.k * xi.abs()) ** 2, None


def test_lif_neuron_matches_a_torch_neuron_with_a_surrogate_autograd_function():
    trainable = 0
    for seed, answers, p in sampled("snn.lif"):
        x = tensor(p["x"], grad=True)
        w, b, beta, threshold = (tensor(p[n], grad=True) for n in ("w", "b", "beta", "threshold"))
        v_kept, vs, spikes = tensor(p["v0"]), [], []
        for t in range(len(p["x"])):
            v = beta * v_kept + w * x[t] + b
            y = Spike.apply(v - threshold, float(p["k"]))
            vs.append(v)
            spikes.append(y)
            v_kept = v * (1 - y.detach())  # hard reset, no gradient through the spike decision
        torch.stack(spikes).sum().backward()
        what = f"snn.lif seed {seed}"
        assert_close(answers["v"].exact, torch.stack(vs), what + " v")
        assert_close(answers["y"].exact, torch.stack(spikes), what + " y")
        assert_close(answers["dz_dw"].exact, w.grad, what + " dz_dw")
        assert_close(answers["dz_db"].exact, b.grad, what + " dz_db")
        assert_close(answers["dz_dx"].exact, x.grad, what + " dz_dx")
        if p["trainable"]:
            trainable += 1
            assert_close(answers["dz_dbeta"].exact, beta.grad, what + " dz_dbeta")
            assert_close(answers["dz_dthreshold"].exact, threshold.grad, what + " dz_dthreshold")
    assert trainable > 20


def test_binary_addition_matches_integer_addition_and_a_numpy_run_of_the_network():
    import numpy as np

    w_in, w_rec = np.ones((3, 2)), np.array([[0, 1, 0]] * 3)
    theta, w_out = np.array([0.5, 1.5, 2.5]), np.array([1, -1, 1])
    for seed, answers, p in sampled("rnn.binary_addition"):
        T = p["bits"] + 1
        h, hs, ys = np.zeros(3), [], []
        for t in range(T):
            x = np.array([(p["a"] >> t) & 1, (p["b"] >> t) & 1])
            h = (w_in @ x + w_rec @ h - theta >= 0).astype(int)
            hs.append(tuple(h))
            ys.append(int(w_out @ h - 0.5 >= 0))
        total = p["a"] + p["b"]
        assert answers["h"].exact == tuple(hs), seed
        assert answers["y"].exact == tuple(ys) == tuple((total >> t) & 1 for t in range(T)), seed
        assert answers["sum_bits"].exact == tuple(ys), seed


def test_gated_unit_matches_autograd():
    for seed, answers, p in sampled("rnn.gated"):
        w_c, w_h, w_x = tensor(p["W_c"]), tensor(p["W_h"]), tensor(p["W_x"], grad=True)
        h, cs, hs = torch.zeros((), dtype=torch.float64), [], []
        for x in p["x"]:
            c = torch.sigmoid(w_c * float(x) + w_h * h)
            h = c * h + (1 - c) * w_x * float(x)
            cs.append(c)
            hs.append(h)
        (float(p["upstream"]) * h).backward()
        assert_close(answers["c"].exact, torch.stack(cs), f"seed {seed} c")
        assert_close(answers["h"].exact, torch.stack(hs), f"seed {seed} h")
        assert_close(answers["dL_dWx"].exact, w_x.grad, f"seed {seed} dL_dWx")


def test_lstm_bptt_step_matches_autograd_on_every_intermediate():
    for seed, answers, p in sampled("lstm.bptt_step"):
        w = {k: [float(v) for v in p["weights"][k]] for k in ("i", "f", "o", "g")}
        h, c = tensor(p["h0"], grad=True), tensor(p["c0"], grad=True)  # so every intermediate keeps a gradient
        kept = []
        for x in p["x"]:
            z = {k: w[k][0] * float(x) + w[k][1] * h for k in w}
            gates = {k: torch.sigmoid(z[k]) for k in "ifo"} | {"g": torch.tanh(z["g"])}
            c = gates["f"] * c + gates["i"] * gates["g"]
            h = gates["o"] * torch.tanh(c)
            for t in (*gates.values(), c, h):
                t.retain_grad()
            kept.append(gates | {"c": c, "h": h})
        (float(p["upstream"]) * h).backward()
        assert_close(answers["c"].exact, torch.stack([s["c"] for s in kept]), f"seed {seed} c")
        assert_close(answers["h"].exact, torch.stack([s["h"] for s in kept]), f"seed {seed} h")
        for k in ("c", "i", "f", "o", "g"):
            assert_close(answers[f"dL_d{k}"].exact, torch.stack([s[k].grad for s in kept]), f"seed {seed} dL_d{k}")
        # dL/dh_T is the given upstream gradient, not an answer: only the earlier steps' are asked
        assert float(kept[-1]["h"].grad) == float(p["upstream"]), seed
        if len(kept) > 1:
            assert_close(answers["dL_dh"].exact, torch.stack([s["h"].grad for s in kept[:-1]]), f"seed {seed} dL_dh")
        else:
            assert "dL_dh" not in answers, seed
