package dev.jmamba.ssm.block;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Conv1d;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Parameter;
import dev.jmamba.ssm.SelectiveScan;
import dev.jmamba.ssm.conv.CausalConv1d;

/**
 * The per-direction core of a Mamba block, from the gate-split projections to the scan output:
 * causal depthwise conv1d → SiLU → x_proj → (dt, B, C) → dt_proj weight → selective scan with
 * z-gating, D skip, dt_proj bias as delta_bias and softplus. The conv1d (a {@code Conv1d.causalDepthwise},
 * built by {@link MambaBlock#branch}) and the SiLU run as one fused op, {@link CausalConv1d}, on the
 * Conv1d's own weight (D, 1, K) and bias (D). Not a module: the owning block
 * registers these parts under its own names (conv1d / conv1d_b, ...); read the Vars at every call
 * because a dtype change replaces them.
 */
record MambaBranch(Conv1d conv1d, Linear xProj, Linear dtProj, Parameter aLog, Parameter d, int dtRank, int dState) {

    /**
     * @param x (B, d_inner, L) the x half of in_proj's output
     * @param z (B, d_inner, L) the z half (gate)
     * @return (B, d_inner, L) the gated scan output
     */
    Var forward(Var x, Var z) {
        Parameter convBias = conv1d.bias();
        Var u = CausalConv1d.apply(x, conv1d.weight().var(), convBias == null ? null : convBias.var(), true); // (B, d_inner, L)
        Var xDbl = xProj.forward(u.transpose(1, 2));                        // (B, L, R + 2N)
        Var[] parts = xDbl.split(2, dtRank, dState, dState);                // (B, L, R), (B, L, N), (B, L, N)
        Var delta = parts[0].matmul(dtProj.weight().var().transpose(0, 1)); // (B, L, d_inner), no bias here
        Var a = aLog.var().exp().neg();                                     // (d_inner, N)
        return SelectiveScan.scan(u, delta.transpose(1, 2), a, parts[1].transpose(1, 2), parts[2].transpose(1, 2),
                d.var(), z, dtProj.bias().var(), true);
    }

    /**
     * The same branch on channel-major matrices, the layout of mamba_ssm's fast path: every channel is one
     * row holding all B·L tokens (batch-major), so the projections are single GEMMs (weight @ rows) and the
     * conv and scan read rows as (B, D, L) views with strides (L, B·L, 1) — no transposing copies.
     * With {@code reverse} the conv and the scan run over positions L-1 .. 0 of each sequence (Vim's backward
     * direction) and the result is already in token order.
     *
     * @param x (d_inner, B·L) the x rows of in_proj's output
     * @param z (d_inner, B·L) the z rows (gate)
     * @return (d_inner, B·L) the gated scan output
     */
    Var forwardRows(Var x, Var z, int batch, int length, boolean reverse) {
        Var[] in = scanInputs(x, z, batch, length, reverse);
        return rows(SelectiveScan.scan(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], true, reverse));  // (d_inner, B·L)
    }

    /**
     * Everything {@link #forwardRows} does before the scan: the scan's eight inputs (u, delta, A, B, C, D, z,
     * delta_bias) as (B, ·, L) views of channel-major rows, for callers that run two branches' scans together.
     */
    Var[] scanInputs(Var x, Var z, int batch, int length, boolean reverse) {
        Parameter convBias = conv1d.bias();
        Var u = CausalConv1d.apply(sequences(x, batch, length), conv1d.weight().var(),
                convBias == null ? null : convBias.var(), true, reverse);       // (B, d_inner, L), rows layout
        Var uRows = rows(u);                                                    // (d_inner, B·L)
        Var xDbl = xProj.weight().var().matmul(uRows);                          // (R + 2N, B·L)
        if (xProj.bias() != null) xDbl = xDbl.add(xProj.bias().var().unsqueeze(1));
        Var[] parts = xDbl.split(0, dtRank, dState, dState);                    // (R, B·L), (N, B·L), (N, B·L)
        Var delta = dtProj.weight().var().matmul(parts[0]);                     // (d_inner, B·L), bias in the scan
        Var a = aLog.var().exp().neg();                                         // (d_inner, N)
        return new Var[] {sequences(uRows, batch, length), sequences(delta, batch, length), a,
                sequences(parts[1], batch, length), sequences(parts[2], batch, length), d.var(),
                sequences(z, batch, length), dtProj.bias().var()};
    }

    /** (C, B·L) rows → (B, C, L) view with strides (L, B·L, 1). */
    static Var sequences(Var rows, int batch, int length) {
        return rows.reshape(rows.size(0), batch, length).permute(1, 0, 2);
    }

    /** (B, C, L) → (C, B·L): a view when the tensor has the rows layout (a copy otherwise). */
    static Var rows(Var seq) {
        return seq.permute(1, 0, 2).reshape(seq.size(1), seq.size(0) * seq.size(2));
    }
}
