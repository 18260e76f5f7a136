package dev.jmamba.io.pth;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The only Python globals a checkpoint may name, and what calling them means here. Nothing is ever
 * executed: each allowed callable is re-implemented as plain data construction (an OrderedDict is a
 * {@link LinkedHashMap}, {@code _rebuild_tensor_v2} a {@link TorchTensor}, an argparse.Namespace a
 * {@link PyObject}). Any other global — {@code os.system}, {@code builtins.eval}, a model class — is
 * refused when the pickle names it.
 */
final class PickleGlobals {
    private PickleGlobals() {}

    /** An allowed global as it sits on the pickle stack. */
    record Global(String module, String name) {
        String qualified() { return module + "." + name; }

        @Override public String toString() { return qualified(); }
    }

    /** A numpy dtype ({@code numpy.dtype('f8', False, True)}), enough to decode a numpy scalar. */
    record NumpyDType(String code) {}

    /** Classes that become inert {@link PyObject}s (NEWOBJ / copyreg._reconstructor), by "module.name". */
    private static final Set<String> INERT_CLASSES = Set.of("argparse.Namespace", "yacs.config.CfgNode");

    /** Every accepted "module.name" (storage classes are added below). */
    private static final Set<String> ALLOWED = new LinkedHashSet<>(List.of(
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
            "torch._tensor._rebuild_from_type_v2", "torch.Tensor", "torch.nn.parameter.Parameter",
            "torch.Size", "torch.device",
            "builtins.set", "__builtin__.set", "builtins.frozenset", "__builtin__.frozenset", "builtins.object", "__builtin__.object",
            "_codecs.encode", "copyreg._reconstructor", "copy_reg._reconstructor",
            "numpy.dtype", "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar",
            "argparse.Namespace", "yacs.config.CfgNode"));

    static {
        for (TorchDType t : TorchDType.values()) ALLOWED.add("torch." + t.storageClass());
    }

    /** The global {@code module.name}, or a {@link PickleException} when it is not on the allow-list. */
    static Global resolve(String module, String name, long offset) {
        String q = module + "." + name;
        if (!ALLOWED.contains(q)) {
            throw new PickleException(offset, "the pickle names the Python global '" + q + "', which a weights file does not need; only "
                    + "state-dict types are accepted (collections.OrderedDict, torch tensors, parameters and storages, argparse.Namespace, "
                    + "yacs CfgNode, sets, numpy scalars). Nothing was executed. Save only the weights, e.g. torch.save(model.state_dict(), FILE), "
                    + "or convert them to safetensors");
        }
        return new Global(module, name);
    }

    /** The storage type of a global, or null when the global is not a storage class. */
    static TorchDType storageType(Object g) {
        return g instanceof Global gl && gl.module().equals("torch") ? TorchDType.ofStorageClass(gl.name()) : null;
    }

    /** REDUCE: "calls" {@code g} with {@code args}, as data. */
    static Object reduce(Global g, PyTuple args, long offset) {
        String q = g.qualified();
        List<Object> a = args.items();
        switch (q) {
            case "collections.OrderedDict" -> {
                if (!a.isEmpty()) throw new PickleException(offset, "OrderedDict() with arguments is not supported");
                return new LinkedHashMap<>();
            }
            case "torch._utils._rebuild_tensor_v2" -> {
                return rebuildTensor(a, offset);
            }
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                if (a.size() < 3 || !(a.get(0) instanceof TorchTensor t)) throw new PickleException(offset, q + " expects (tensor, requires_grad, hooks, ...)");
                return t;
            }
            case "torch._tensor._rebuild_from_type_v2" -> {
                // (func, type, args, state): the tensor subclass must be a plain Tensor or Parameter
                if (a.size() != 4 || !(a.get(0) instanceof Global f) || !(a.get(1) instanceof Global type) || !(a.get(2) instanceof PyTuple inner)) {
                    throw new PickleException(offset, q + " expects (func, type, args, state)");
                }
                if (!type.qualified().equals("torch.Tensor") && !type.qualified().equals("torch.nn.parameter.Parameter")) {
                    throw new PickleException(offset, "tensor subclass " + type + " is not supported");
                }
                return reduce(f, inner, offset);
            }
            case "torch.Size" -> {
                if (a.size() != 1 || !(a.get(0) instanceof PyTuple t)) throw new PickleException(offset, "torch.Size expects one tuple");
                return t;
            }
            case "torch.device" -> {
                if (a.isEmpty() || !(a.get(0) instanceof String type)) throw new PickleException(offset, "torch.device expects a type string");
                return a.size() > 1 && a.get(1) instanceof Long idx ? type + ":" + idx : type;
            }
            case "builtins.set", "__builtin__.set", "builtins.frozenset", "__builtin__.frozenset" -> {
                Set<Object> s = new LinkedHashSet<>();
                if (a.size() == 1 && a.get(0) instanceof List<?> items) {
                    for (Object o : items) s.add(PickleReader.checkKey(o, offset));
                } else if (!a.isEmpty()) {
                    throw new PickleException(offset, q + " expects one list");
                }
                return s;
            }
            case "_codecs.encode" -> {
                if (a.size() != 2 || !(a.get(0) instanceof String text) || !(a.get(1) instanceof String enc)
                        || !(enc.equalsIgnoreCase("latin1") || enc.equalsIgnoreCase("latin-1"))) {
                    throw new PickleException(offset, "_codecs.encode is accepted only as (str, 'latin1'), the protocol-2 form of bytes");
                }
                return text.getBytes(StandardCharsets.ISO_8859_1);
            }
            case "copyreg._reconstructor", "copy_reg._reconstructor" -> {
                if (a.size() != 3 || !(a.get(0) instanceof Global cls) || !INERT_CLASSES.contains(cls.qualified())) {
                    throw new PickleException(offset, q + " is accepted only for " + INERT_CLASSES);
                }
                return new PyObject(cls.qualified());
            }
            case "numpy.dtype" -> {
                if (a.isEmpty() || !(a.get(0) instanceof String code)) throw new PickleException(offset, "numpy.dtype expects a type code");
                return new NumpyDType(code);
            }
            case "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar" -> {
                if (a.size() != 2 || !(a.get(0) instanceof NumpyDType dt) || !(a.get(1) instanceof byte[] bytes)) {
                    throw new PickleException(offset, "numpy scalar expects (dtype, bytes)");
                }
                return numpyScalar(dt, bytes, offset);
            }
            default -> throw new PickleException(offset, "calling " + q + " is not supported");
        }
    }

    /** NEWOBJ: {@code cls.__new__(cls, *args)} for the inert classes. */
    static Object newObject(Global cls, PyTuple args, long offset) {
        String q = cls.qualified();
        if (INERT_CLASSES.contains(q)) return new PyObject(q);
        if (q.equals("collections.OrderedDict") && args.size() == 0) return new LinkedHashMap<>();
        throw new PickleException(offset, "creating an instance of " + q + " is not supported");
    }

    /** BUILD: sets {@code state} on {@code target}; returns the (same) object. */
    @SuppressWarnings("unchecked")
    static Object build(Object target, Object state, long offset) {
        switch (target) {
            case PyObject o -> {
                Object dictState = state instanceof PyTuple t && t.size() == 2 ? t.get(0) : state;   // (dict, slots)
                if (dictState instanceof Map<?, ?> m) {
                    for (var e : m.entrySet()) {
                        if (!(e.getKey() instanceof String k)) throw new PickleException(offset, "attribute names of " + o.className() + " must be strings");
                        o.attributes().put(k, e.getValue());
                    }
                } else if (dictState != null) {
                    throw new PickleException(offset, "the state of " + o.className() + " must be a dict");
                }
                return o;
            }
            case Map<?, ?> m -> {
                // an OrderedDict's instance attributes (a state dict's _metadata): not needed, dropped
                if (!(state instanceof Map<?, ?>) && !(state instanceof PyTuple)) throw new PickleException(offset, "the state of a dict must be a dict");
                return m;
            }
            case NumpyDType d -> {
                // state (version, byte order, ...): only little-endian or not-applicable is accepted
                if (state instanceof PyTuple t && t.size() > 1 && ">".equals(t.get(1))) {
                    return new NumpyDType(">" + d.code());
                }
                return d;
            }
            case TorchTensor t -> {
                return t;   // tensor __setstate__ (python attributes of a tensor): ignored
            }
            default -> throw new PickleException(offset, "BUILD on " + PickleReader.describe(target) + " is not supported");
        }
    }

    private static TorchTensor rebuildTensor(List<Object> a, long offset) {
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        if (a.size() < 4 || !(a.get(0) instanceof TorchStorage storage) || !(a.get(1) instanceof Long off)
                || !(a.get(2) instanceof PyTuple size) || !(a.get(3) instanceof PyTuple stride)) {
            throw new PickleException(offset, "_rebuild_tensor_v2 expects (storage, offset, size, stride, ...)");
        }
        if (size.size() != stride.size()) throw new PickleException(offset, "tensor size " + size.items() + " and stride " + stride.items() + " differ in length");
        if (size.size() > 64) throw new PickleException(offset, "tensor rank " + size.size() + " exceeds 64");
        long[] shape = longs(size, "size", offset), strides = longs(stride, "stride", offset);
        if (off < 0) throw new PickleException(offset, "negative storage offset " + off);
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0 || strides[i] < 0) throw new PickleException(offset, "negative size or stride: size " + size.items() + ", stride " + stride.items());
        }
        return new TorchTensor(storage, off, shape, strides);
    }

    private static long[] longs(PyTuple t, String what, long offset) {
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.get(i) instanceof Long v)) throw new PickleException(offset, "tensor " + what + " entries must be integers");
            out[i] = v;
        }
        return out;
    }

    private static Object numpyScalar(NumpyDType dt, byte[] b, long offset) {
        String code = dt.code();
        if (code.startsWith(">")) throw new PickleException(offset, "big-endian numpy scalars are not supported");
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        Object v = switch (code.replace("<", "").replace("=", "")) {
            case "f8" -> b.length == 8 ? buf.getDouble() : null;
            case "f4" -> b.length == 4 ? (double) buf.getFloat() : null;
            case "i8" -> b.length == 8 ? buf.getLong() : null;
            case "i4" -> b.length == 4 ? (long) buf.getInt() : null;
            case "u8" -> b.length == 8 ? (Object) new BigInteger(Long.toUnsignedString(buf.getLong())) : null;
            case "b1" -> b.length == 1 ? b[0] != 0 : null;
            default -> throw new PickleException(offset, "numpy scalar of dtype '" + code + "' is not supported");
        };
        if (v == null) throw new PickleException(offset, "numpy scalar of dtype '" + code + "' has " + b.length + " bytes");
        return v;
    }
}
