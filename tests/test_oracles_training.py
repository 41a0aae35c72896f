"""Training bookkeeping, graphs and losses against PyTorch: nn.Linear counts, a real
DataLoader, autograd through the sigmoid graph, a skip block, and the torch losses."""

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
        sizes = [len(batch) for batch in loader]
        seen = sum(sizes)
        assert answers["iterations_per_epoch"].exact == len(loader) == len(sizes), seed
        assert answers["last_batch"].exact == sizes[-1], seed
        assert answers["dropped"].exact == p["samples"] - seen, seed
        assert answers["total_iterations"].exact == len(loader) * p["epochs"], seed


def test_sigmoid_graph_matches_autograd():
    for seed, answers, p in sampled("graph.sigmoid"):
        z = tensor(p["z"], grad=True)
        a = -z
        b = torch.exp(a)
        c = 1 + b
        f = 1 / c
        f.backward()
        assert_close(answers["nodes"].exact, torch.stack([a, b, c, f]), f"seed {seed} nodes")
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
