"""A small dense NRI-style implementation used as a test oracle.

It follows the reference code: [B, N, ...] tensors, one-hot rel_rec /
rel_send matrices built from the row-major off-diagonal pairs (receiver a,
sender b), matrix products for node->edge and edge->node, and a Python loop
over edge types in the decoder. It reuses the weights of the modules under
test so that outputs can be compared exactly.
"""
import torch
import torch.nn.functional as F


def rel_matrices(num_nodes):
    pairs = [(a, b) for a in range(num_nodes) for b in range(num_nodes)
             if a != b]
    rel_rec = torch.zeros(len(pairs), num_nodes)
    rel_send = torch.zeros(len(pairs), num_nodes)
    for e, (a, b) in enumerate(pairs):
        rel_rec[e, a] = 1.0
        rel_send[e, b] = 1.0
    return rel_rec, rel_send


def node2edge(x, num_nodes):
    # x: [B, N, F] -> [B, E, 2F] with content [x_sender, x_receiver].
    rel_rec, rel_send = rel_matrices(num_nodes)
    return torch.cat([rel_send @ x, rel_rec @ x], dim=-1)


def edge2node(e, num_nodes):
    rel_rec, _ = rel_matrices(num_nodes)
    return rel_rec.t() @ e / num_nodes


def _heads(enc, node_mlp, edge_mlp):
    # (node MLP, edge MLP, output layer) of every layer-graph head: the
    # shared module or the head's own copy (split_point 1: the edge MLP and
    # the output layer; 2: also the node MLP).
    split = enc.split_point
    for head in range(len(enc.lin_out) if split else 1):
        yield (node_mlp[head] if split == 2 else node_mlp,
               edge_mlp[head] if split else edge_mlp,
               enc.lin_out[head] if split else enc.lin_out)


def mlp_encoder(enc, x):
    # x: [B, N, T, D] -> [B, E, K]; node MLP f_3, edge MLP f_4.
    B, N = x.shape[:2]
    h = enc.mlp1(x.reshape(B, N, -1))
    skip = enc.node_to_edge1.nn(node2edge(h, N))
    outs = []
    for mlp3, mlp4, lin_out in _heads(enc, enc.mlp3, enc.mlp4):
        if enc.factor:
            e = node2edge(mlp3(edge2node(skip, N)), N)
        else:
            e = mlp3(skip)
        outs.append(lin_out(mlp4(torch.cat([e, skip], dim=-1))))
    return torch.cat(outs, dim=-1)


def cnn_encoder(enc, x):
    # x: [B, N, T, D] -> [B, E, K]; node MLP f_2, edge MLP f_3.
    B, N, T, D = x.shape
    rel_rec, rel_send = rel_matrices(N)
    flat = x.reshape(B, N, T * D)
    pairs = torch.cat([
        (rel_send @ flat).view(B, -1, T, D),
        (rel_rec @ flat).view(B, -1, T, D)
    ], dim=-1)  # [B, E, T, 2D]
    e = enc.node_to_edge1.nn(pairs.reshape(-1, T, 2 * D))
    e = e.view(B, -1, enc.hidden_channels)
    e = enc.mlp1(e)
    if not enc.factor:
        return enc.lin_out(e)
    outs = []
    for mlp2, mlp3, lin_out in _heads(enc, enc.mlp2, enc.mlp3):
        h = mlp2(edge2node(e, N))
        outs.append(lin_out(mlp3(torch.cat([node2edge(h, N), e], dim=-1))))
    return torch.cat(outs, dim=-1)


def assert_second_head_isolated(enc, out, edge_mlp):
    # With heads [3, 2, 2], the second layer-graph's logits (columns 3-4)
    # reach its own edge MLP and the shared trunk, never another head's.
    out[:, 3:5].sum().backward()
    for other in (edge_mlp[0].lin1, enc.lin_out[2]):
        assert other.weight.grad is None or not other.weight.grad.any()
    assert edge_mlp[1].lin1.weight.grad.abs().sum() > 0
    assert enc.mlp1.lin1.weight.grad.abs().sum() > 0


def _active_types(conv):
    skipped = set()
    offset = 0
    for k in conv.num_edge_types:
        if conv.skip_first:
            skipped.add(offset)
        offset += k
    return [k for k in range(offset) if k not in skipped]


def multiplex_messages(conv, x, z, act, edge_attr=None):
    # x: [B, *, N, F], z: [B, E, K] (broadcast over *), edge_attr:
    # [B, *, E, C] -> [B, *, N, F_out]
    N = x.size(-2)
    rel_rec, rel_send = rel_matrices(N)
    parts = [rel_send @ x, rel_rec @ x]
    pre = torch.cat(parts + ([] if edge_attr is None else [edge_attr]),
                    dim=-1)
    if x.dim() == 4:
        z = z.unsqueeze(1)
    out = 0.0
    for k in _active_types(conv):
        h = act(pre @ conv.weight1[k] + conv.bias1[k])
        h = act(h @ conv.weight2[k] + conv.bias2[k])
        out = out + h * z[..., k:k + 1]
    return rel_rec.t() @ out


def central_forces(conv, pos, z):
    # pos: [B, *, N, P], z: [B, E, K] in rel_matrices' edge order (receiver
    # a, sender b) -> [B, *, N, P]; one pair at a time.
    N = pos.size(-2)
    pairs = [(a, b) for a in range(N) for b in range(N) if a != b]
    out = torch.zeros_like(pos)
    for e, (a, b) in enumerate(pairs):
        offset = pos[..., b, :] - pos[..., a, :]
        distance = offset.norm(dim=-1, keepdim=True)
        inverse = 1 / distance.clamp_min(conv.min_distance)
        radial = torch.cat([distance, inverse], dim=-1)
        for k in _active_types(conv):
            psi = (F.relu(radial @ conv.weight1[k] + conv.bias1[k])
                   @ conv.weight2[k] + conv.bias2[k])
            weight = z[:, e, k].view(-1, *([1] * (pos.dim() - 2)))
            out[..., a, :] += weight * psi * inverse * offset
    return out


def mlp_decoder(dec, x, z, pred_steps):
    # x: [B, N, T, D], z: [B, E, K] -> [B, N, T - 1, D]
    inputs = x.transpose(1, 2)  # [B, T, N, D]
    T = inputs.size(1)

    def single_step(s):
        edge_attr = None
        if dec.relative_messages:
            rel_rec, rel_send = rel_matrices(s.size(-2))
            diff = rel_send @ s - rel_rec @ s  # sender - receiver
            distance = diff[..., :2].norm(dim=-1, keepdim=True)
            edge_attr = torch.cat([diff[..., :4], distance,
                                   1 / distance.clamp_min(dec.min_distance)],
                                  dim=-1)
        if dec.pairwise_messages:
            agg = multiplex_messages(dec.message_conv, s, z, F.relu,
                                     edge_attr)
            h = F.relu(dec.lin1(torch.cat([s, agg], dim=-1)))
        else:  # The edges act through the central forces alone.
            h = F.relu(dec.lin1(s))
        h = F.relu(dec.lin2(h))
        out = s + dec.lin3(h)
        if dec.central_forces:
            force = central_forces(dec.force_conv, s[..., :2], z)
            if dec.pairwise_messages:
                out = out + F.pad(force, (2, s.size(-1) - 4))
            else:  # The forces also step the positions.
                step = torch.cat([dec.force_position_step * force, force],
                                 dim=-1)
                out = out + F.pad(step, (0, s.size(-1) - 4))
        return out

    last = inputs[:, 0::pred_steps]
    preds = []
    for _ in range(pred_steps):
        last = single_step(last)
        preds.append(last)
    out = torch.zeros(inputs.size(0), last.size(1) * pred_steps,
                      *inputs.shape[2:])
    for i in range(pred_steps):
        out[:, i::pred_steps] = preds[i]
    return out[:, :T - 1].transpose(1, 2)


def rnn_decoder(dec, x, z, pred_steps):
    inputs = x.transpose(1, 2)  # [B, T, N, D]
    B, T, N, _ = inputs.shape
    conv = dec.message_conv
    norm = len(_active_types(conv))
    hidden = torch.zeros(B, N, dec.hidden_channels)
    preds = []
    for s in range(T - 1):
        ins = inputs[:, s] if s % pred_steps == 0 else preds[-1]
        agg = multiplex_messages(conv, hidden, z, torch.tanh)
        agg = agg / norm / (N - 1)
        r = torch.sigmoid(dec.input_r(ins) + dec.hidden_r(agg))
        u = torch.sigmoid(dec.input_i(ins) + dec.hidden_i(agg))
        n = torch.tanh(dec.input_n(ins) + r * dec.hidden_h(agg))
        hidden = (1 - u) * n + u * hidden
        h = F.relu(dec.lin1(hidden))
        h = F.relu(dec.lin2(h))
        preds.append(ins + dec.lin3(h))
    return torch.stack(preds, dim=1).transpose(1, 2)
