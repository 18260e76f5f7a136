package dev.jmamba.nn;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dotted names, state dicts and strict / non-strict loading on a nested model. */
class ModuleTest {

    /** A Mamba-block-like mixer: in_proj, a causal conv, out_proj and a flagged A_log. */
    static final class Mixer extends Module {
        Mixer(long seed) {
            register("in_proj", new Linear(4, 8, false, seed));
            register("conv1d", Conv1d.causalDepthwise(4, 3, true, seed + 1));
            param("A_log", Init.constant(0.5, 4, 2)).noWeightDecay(true);
            register("out_proj", new Linear(4, 4, false, seed + 2));
        }
    }

    static final class Block extends Module {
        Block(long seed) {
            register("norm", new RMSNorm(4));
            register("mixer", new Mixer(seed));
        }
    }

    static final class Net extends Module {
        Net() {
            param("pos_embed", Init.truncNormal(3, 0.02, 1, 5, 4));
            ModuleList<Block> layers = register("layers", new ModuleList<>());
            layers.add(new Block(10));
            layers.add(new Block(20));
            register("bn", new BatchNorm2d(2));
            register("head", new Linear(4, 3, true, 30));
        }
    }

    @Test void namesFollowThePyTorchConvention() {
        Net net = new Net();
        List<String> names = List.copyOf(net.stateDict().keySet());
        assertEquals(List.of("pos_embed",
                "layers.0.norm.weight", "layers.0.mixer.A_log", "layers.0.mixer.in_proj.weight",
                "layers.0.mixer.conv1d.weight", "layers.0.mixer.conv1d.bias", "layers.0.mixer.out_proj.weight",
                "layers.1.norm.weight", "layers.1.mixer.A_log", "layers.1.mixer.in_proj.weight",
                "layers.1.mixer.conv1d.weight", "layers.1.mixer.conv1d.bias", "layers.1.mixer.out_proj.weight",
                "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked",
                "head.weight", "head.bias"), names);
        assertFalse(net.namedParameters().containsKey("bn.running_mean"), "buffers are not parameters");
        assertEquals(names.size() - 3, net.parameters().size());
        long expected = 5 * 4 + 2 * (4 + 8 + 32 + 12 + 4 + 16) + 2 + 2 + 12 + 3;
        assertEquals(expected, net.numParameters());
        assertTrue(net.namedModules().containsKey("layers.1.mixer.in_proj"));
    }

    @Test void trainAndEvalPropagateToEveryModule() {
        Net net = new Net();
        net.eval();
        for (Module m : net.namedModules().values()) assertFalse(m.isTraining());
        net.train(true);
        for (Module m : net.namedModules().values()) assertTrue(m.isTraining());
    }

    @Test void duplicateAndDottedNamesAreRejected() {
        class Bad extends Module {
            Bad(String second) {
                param("w", Init.constant(0, 1));
                param(second, Init.constant(0, 1));
            }
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Bad("w")).getMessage().contains("already registered"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Bad("a.b")).getMessage().contains("without dots"));
    }

    @Test void roundTripCopiesValuesWithDtypeConversion() {
        Net source = new Net(), target = new Net();
        target.namedParameters().get("head.weight").set(Init.constant(0, 3, 4));
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (var e : source.stateDict().entrySet()) state.put(e.getKey(), e.getValue().to(e.getValue().dtype().isFloating() ? DType.F64 : e.getValue().dtype()));
        Tensor before = target.namedParameters().get("head.weight").value();
        LoadResult r = target.loadStateDict(state, true);
        assertTrue(r.isClean());
        assertSame(before, target.namedParameters().get("head.weight").value(), "loading writes into the existing tensor");
        assertEquals(DType.F32, before.dtype());
        for (var e : source.stateDict().entrySet()) {
            assertArrayEquals(e.getValue().toDoubleArray(), target.stateDict().get(e.getKey()).toDoubleArray(), 0, e.getKey());
        }
    }

    private static Map<String, Tensor> brokenState(Net net) {
        Map<String, Tensor> state = new LinkedHashMap<>(net.stateDict());
        state.remove("layers.1.mixer.A_log");                                 // missing
        state.put("layers.2.norm.weight", Init.constant(1, 4));               // unexpected
        state.put("head.weight", Init.constant(7, 5, 4));                      // shape mismatch
        state.put("head.bias", Init.constant(9, 3));                           // fine, must load non-strictly
        return state;
    }

    @Test void strictLoadReportsEveryProblemInOneExceptionAndChangesNothing() {
        Net net = new Net(), other = new Net();
        Map<String, Tensor> state = brokenState(other);
        double[] biasBefore = net.stateDict().get("head.bias").toDoubleArray();
        StateDictException e = assertThrows(StateDictException.class, () -> net.loadStateDict(state, true));
        String msg = e.getMessage();
        assertTrue(msg.contains("layers.1.mixer.A_log"), msg);
        assertTrue(msg.contains("layers.2.norm.weight"), msg);
        assertTrue(msg.contains("head.weight: expected (3, 4), got (5, 4)"), msg);
        assertEquals(List.of("layers.1.mixer.A_log"), e.result().missing());
        assertArrayEquals(biasBefore, net.stateDict().get("head.bias").toDoubleArray(), 0, "strict failure loads nothing");
        assertTrue(e instanceof IllegalArgumentException);
    }

    @Test void nonStrictLoadReturnsProblemsAndLoadsTheRest() {
        Net net = new Net(), other = new Net();
        LoadResult r = net.loadStateDict(brokenState(other), false);
        assertEquals(List.of("layers.1.mixer.A_log"), r.missing());
        assertEquals(List.of("layers.2.norm.weight"), r.unexpected());
        assertEquals(List.of("head.weight: expected (3, 4), got (5, 4)"), r.mismatched());
        assertArrayEquals(new double[] {9, 9, 9}, net.stateDict().get("head.bias").toDoubleArray(), 0);
        assertArrayEquals(other.stateDict().get("layers.0.mixer.in_proj.weight").toDoubleArray(),
                net.stateDict().get("layers.0.mixer.in_proj.weight").toDoubleArray(), 0);
    }

    @Test void seedsMakeConstructionReproducible() {
        assertArrayEquals(new Net().stateDict().get("layers.0.mixer.in_proj.weight").toFloatArray(),
                new Net().stateDict().get("layers.0.mixer.in_proj.weight").toFloatArray());
        assertFalse(java.util.Arrays.equals(new Linear(4, 4, false, 1).weight().value().toFloatArray(),
                new Linear(4, 4, false, 2).weight().value().toFloatArray()));
    }
}
