package dev.jmamba.vision.parity;

import dev.jmamba.io.SafeDType;
import dev.jmamba.io.SafeTensorFile;
import dev.jmamba.io.SafeTensors;
import dev.jmamba.io.TensorBlob;
import dev.jmamba.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One float64 parity fixture written by {@code vision/src/test/python/parity/make_fixtures.py} from the
 * PyTorch reference of an official module: {@code param/NAME} (every parameter and buffer, official names),
 * {@code input}, {@code output}, {@code gout} (the loss is sum(output · gout)), {@code grad/input} and
 * {@code grad/NAME} for every parameter. Everything is copied out of the mapping on load.
 *
 * @param name    the fixture's file name without extension
 * @param params  state dict (F64, integer buffers I64)
 * @param tensors input, output, gout, grad/input and grad/NAME (F64)
 */
record ParityFixture(String name, Map<String, Tensor> params, Map<String, Tensor> tensors) {

    /** Reads {@code /parity/NAME.safetensors} from the test resources. */
    static ParityFixture load(String name) {
        URL url = ParityFixture.class.getResource("/parity/" + name + ".safetensors");
        if (url == null) throw new IllegalStateException("parity fixture " + name + ".safetensors is missing from the test resources");
        return load(url, name);
    }

    /** Reads the fixture at {@code url} (a file, or an entry of a jar). */
    static ParityFixture load(URL url, String name) {
        Path file = asFile(url, name);
        Map<String, Tensor> params = new LinkedHashMap<>(), tensors = new LinkedHashMap<>();
        try (SafeTensorFile f = SafeTensors.read(file)) {
            for (String key : f.names()) {
                Tensor t = toTensor(f.get(key));
                if (key.startsWith("param/")) params.put(key.substring("param/".length()), t);
                else tensors.put(key, t);
            }
        }
        return new ParityFixture(name, params, tensors);
    }

    /**
     * The resource as a file: itself when the test classes are a directory (Maven), else a temporary copy
     * (inside the test jar, as on a GPU machine running the packed jars).
     */
    private static Path asFile(URL url, String name) {
        try {
            if ("file".equals(url.getProtocol())) return Path.of(url.toURI());
            Path copy = Files.createTempFile("parity-" + name + "-", ".safetensors");
            copy.toFile().deleteOnExit();
            try (InputStream in = url.openStream()) {
                Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            }
            return copy;
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException("cannot read parity fixture " + url + ": " + e.getMessage(), e);
        }
    }

    private static Tensor toTensor(TensorBlob blob) {
        long[] ls = blob.shape();
        int[] shape = new int[ls.length];
        for (int i = 0; i < ls.length; i++) shape[i] = Math.toIntExact(ls[i]);
        if (blob.dtype() == SafeDType.I64) return Tensor.of(blob.toLongArray(), shape);
        if (blob.dtype() != SafeDType.F64) throw new IllegalStateException("parity fixtures are float64, got " + blob.dtype());
        return Tensor.of(blob.toDoubleArray(), shape);
    }

    Tensor input() { return get("input"); }

    Tensor output() { return get("output"); }

    Tensor gout() { return get("gout"); }

    /** d loss / d input. */
    Tensor inputGrad() { return get("grad/input"); }

    /** d loss / d parameter {@code param} (official name). */
    Tensor grad(String param) { return get("grad/" + param); }

    boolean hasGrad(String param) { return tensors.containsKey("grad/" + param); }

    private Tensor get(String key) {
        Tensor t = tensors.get(key);
        if (t == null) throw new IllegalStateException("parity fixture " + name + " has no tensor '" + key + "'");
        return t;
    }
}
