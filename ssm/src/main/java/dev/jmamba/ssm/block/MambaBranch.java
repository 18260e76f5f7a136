package dev.jmamba.ssm.block;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Conv1d;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Parameter;
import dev.jmamba.ssm.SelectiveScan;

/**
 * The per-direction core of a Mamba block, from the gate-split projections to the scan output:
 * causal depthwise conv1d → SiLU → x_proj → (dt, B, C) → dt_proj weight → selective scan with
 * z-gating, D skip, dt_proj bias as delta_bias and softplus. Not a module: the owning block
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
        Var u = conv1d.forward(x).silu();                                   // (B, d_inner, L)
        Var xDbl = xProj.forward(u.transpose(1, 2));                        // (B, L, R + 2N)
        Var[] parts = xDbl.split(2, dtRank, dState, dState);                // (B, L, R), (B, L, N), (B, L, N)
        Var delta = parts[0].matmul(dtProj.weight().var().transpose(0, 1)); // (B, L, d_inner), no bias here
        Var a = aLog.var().exp().neg();                                     // (d_inner, N)
        return SelectiveScan.scan(u, delta.transpose(1, 2), a, parts[1].transpose(1, 2), parts[2].transpose(1, 2),
                d.var(), z, dtProj.bias().var(), true);
    }
}
