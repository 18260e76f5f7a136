package dev.jmamba.autograd;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import java.util.Map;

/**
 * Mixed precision in the spirit of {@code torch.autocast}: inside a scope, the ops of the policy
 * table below read their float32 operands as bfloat16 (8 significant bits, unit roundoff 2⁻⁸) and
 * multiply them on tensor cores with float32 accumulation and a float32 result; every other op
 * runs exactly as outside the scope.
 *
 * <h2>The policy (the one table: {@link #POLICY})</h2>
 * <ul>
 * <li>{@code matmul}, {@code matmulAfter} (every Linear, the in/out/x/dt projections, the MLP):
 *     <b>bf16 operands</b>, float32 result. The node saves the bf16 copies for backward (half the
 *     memory of the float32 operands), and backward multiplies in bf16 too: the incoming gradient is
 *     rounded to bf16, the products accumulate in float32, and the gradients leave as float32.</li>
 * <li>{@code conv2d} with groups 1 (the stems and downsampling convs): the same — bf16 operands
 *     saved for backward, bf16 columns, tensor-core GEMMs with float32 accumulation, float32 result
 *     and gradients. Other grouped and depthwise convs stay float32 (their direct kernels are float32).</li>
 * <li>The depthwise conv + bias + SiLU of SS2D ({@code DepthwiseConvSilu}) passes bf16 activations through: a bf16 x
 *     (SS2D's in_proj rows, {@link Var#matmulToActivation}) is read and saved as bf16, the conv runs in float32 with
 *     float32 weights, y is written as bf16 (rounded once) and x's gradient is float32.</li>
 * <li>The selective scan and the cross scan <b>pass bf16 activations through</b> ({@code BF16_IO}): given a bf16
 *     u, the scan reads u, Δ and z as bf16 (a float32 Δ or z is rounded to bf16 first), keeps its state, Δ and
 *     discretisation math in float32 and writes a bf16 output, as mamba_ssm does under torch.autocast; the cross
 *     scan copies bf16 as bf16, and the cross merge adds bf16 sequences in float32 and returns float32. A model
 *     opts in by casting an activation to {@link #activationType} (VMamba's SS2D: in_proj writes bf16 rows, and the
 *     conv's bf16 output is what the cross scan, x_proj and the scan read: one bf16 copy saved for backward instead
 *     of a float32 one for the scan plus a bf16 one for x_proj).</li>
 * <li>The causal conv1d (Mamba's short conv) passes bf16 activations through too: a bf16 x is read as bf16 and y
 *     written as bf16, float32 inside and float32 dx, dweight, dbias (the float32 kernel's bits for the widened x,
 *     CausalConv1dBf16GpuTest); a float32 x runs in float32. Vim's in_proj output is float32 today, so Vim's conv runs
 *     float32.</li>
 * <li>A LayerNorm whose output only products read ({@code layerNormForProducts}, recorded as {@code layerNormBf16}:
 *     VMamba's and FractalMamba's norms before in_proj and the MLP) writes a bf16 output — the products would round
 *     it anyway — and saves a bf16 x̂ (plus float32 rstd) instead of its float32 input; statistics, parameters and
 *     gradients stay float32.</li>
 * <li>Everything else stays <b>float32</b>: element-wise ops and activations, norms (statistics and
 *     output), softmax / log-softmax / losses, reductions, and the optimizer: parameters are float32 master weights and the engine hands every parameter
 *     a gradient of the parameter's dtype, so no bf16 reaches AdamW or a checkpoint.</li>
 * </ul>
 * Ops not in the table are float32. Results of lowered ops are float32, except where a model asks a product for a
 * bf16 result that only BF16_IO ops read ({@link Var#matmulToActivation}: SS2D's Δ, the float32 accumulator rounded
 * once); other bf16 tensors appear only where a model cast an activation for the BF16_IO ops. A product of a
 * {@code layerNormForProducts} output keeps the norm's bf16 x̂ instead of that output and rebuilds it in backward
 * (NormOutputRecompute). Gradients of bf16 activations are carried in float32
 * ({@link #gradientType}): no gradient is ever summed in bf16.
 *
 * <p>Two ways in: {@link #bf16()} opens a scope on the calling thread (any device; on the CPU the
 * bf16 product is computed from the rounded values in float32, the reference of the GPU path), and
 * {@link #setAcceleratorDefault} turns the policy on for every op on a non-CPU device when no scope
 * says otherwise (what {@code --precision bf16} does). {@link #disabled()} switches it off inside.
 */
public final class Autocast {
    private Autocast() {}

    /** How an op runs under autocast. */
    public enum OpPrecision {
        /** Operands rounded to the autocast type (bf16), float32 accumulation and result. */
        LOWERED,
        /** Reads bf16 activations as bf16 and writes bf16 (float32 inside), float32 ones as float32. */
        BF16_IO,
        /** Float32, as without autocast. */
        FLOAT32
    }

    /** The policy table: op name (as recorded in the graph) → precision. Unlisted ops: FLOAT32. */
    public static final Map<String, OpPrecision> POLICY = Map.ofEntries(
            Map.entry("matmul", OpPrecision.LOWERED),
            Map.entry("matmulAfter", OpPrecision.LOWERED),
            Map.entry("conv2d", OpPrecision.LOWERED),
            Map.entry("layerNorm", OpPrecision.FLOAT32),
            Map.entry("layerNormBf16", OpPrecision.BF16_IO),
            Map.entry("logSoftmax", OpPrecision.FLOAT32),
            Map.entry("softmax", OpPrecision.FLOAT32),
            Map.entry("SelectiveScanFunction", OpPrecision.BF16_IO),
            Map.entry("ScanPairFunction", OpPrecision.BF16_IO),
            Map.entry("CausalConv1d", OpPrecision.BF16_IO),
            Map.entry("DepthwiseConvSilu", OpPrecision.BF16_IO),
            Map.entry("CrossScan", OpPrecision.BF16_IO),
            Map.entry("CrossMerge", OpPrecision.FLOAT32));

    /** The precision {@code op} runs in under autocast. */
    public static OpPrecision precisionOf(String op) {
        return POLICY.getOrDefault(op, OpPrecision.FLOAT32);
    }

    /** {@code -Djmamba.autocast.bf16Activations=false}: no bf16 activations, only lowered operands (for A/B timing). */
    private static final boolean BF16_ACTIVATIONS = !"false".equals(System.getProperty("jmamba.autocast.bf16Activations"));

    /** The thread's scope: BF16 inside {@link #bf16()}, F32 inside {@link #disabled()}, null outside any. */
    private static final ThreadLocal<DType> SCOPE = new ThreadLocal<>();
    /** The type used on non-CPU devices outside any scope (null: autocast off). */
    private static volatile DType acceleratorDefault;

    /** An open autocast scope; closing it restores the enclosing state. */
    public static final class Scope implements AutoCloseable {
        private final DType previous;
        private boolean closed;

        private Scope(DType type) {
            previous = SCOPE.get();
            SCOPE.set(type);
        }

        @Override public void close() {
            if (closed) return;
            closed = true;
            if (previous == null) SCOPE.remove();
            else SCOPE.set(previous);
        }
    }

    /** Lowered ops use bf16 operands until the scope closes (any device). */
    public static Scope bf16() { return new Scope(DType.BF16); }

    /** Autocast off until the scope closes, whatever the default says. */
    public static Scope disabled() { return new Scope(DType.F32); }

    /**
     * Autocast for every op on a non-CPU device outside explicit scopes: {@code DType.BF16}, or null
     * to switch it off (the default). The CPU is never affected (it has no bf16 arithmetic units).
     */
    public static void setAcceleratorDefault(DType type) {
        if (type != null && type != DType.BF16) {
            throw new dev.jmamba.tensor.JmambaException("autocast: expected BF16 or null, got " + type);
        }
        acceleratorDefault = type;
    }

    /** The current accelerator default (null: off). */
    public static DType acceleratorDefault() { return acceleratorDefault; }

    /**
     * The operand type {@code op} uses for these operands now: BF16 when the op is LOWERED, autocast is on for
     * their device and each operand is float32 or bf16 (an activation a model cast, see {@link #activationType});
     * null (run as usual) otherwise.
     */
    static DType operandType(String op, Tensor a, Tensor b) {
        if (precisionOf(op) != OpPrecision.LOWERED || !floatOrBf16(a) || !floatOrBf16(b)) return null;
        return typeFor(a);
    }

    private static boolean floatOrBf16(Tensor t) { return t.dtype() == DType.F32 || t.dtype() == DType.BF16; }

    /**
     * BF16 when autocast is on for tensors on {@code like}'s device (a scope on this thread, or the accelerator
     * default on a non-CPU device), else null: the type in which a model may keep an activation that only lowered
     * and BF16_IO ops read.
     */
    public static DType activationType(Tensor like) { return BF16_ACTIVATIONS ? typeFor(like) : null; }

    /** BF16 when autocast is on for {@code like}'s device, else null. */
    private static DType typeFor(Tensor like) {
        DType scoped = SCOPE.get();
        DType type = scoped != null ? scoped : (like.device() instanceof Device.Cpu ? null : acceleratorDefault);
        return type == DType.BF16 ? type : null;
    }

    /**
     * The dtype of the gradient the engine carries for a value of {@code valueType}: float32 for bf16 (activations
     * under autocast: their gradients are summed in float32), the value's own type otherwise.
     */
    public static DType gradientType(DType valueType) { return valueType == DType.BF16 ? DType.F32 : valueType; }
}
