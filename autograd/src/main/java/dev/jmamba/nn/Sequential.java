package dev.jmamba.nn;

import dev.jmamba.autograd.Var;

import java.util.ArrayList;
import java.util.List;

/** Layers applied in order; children are named "0", "1", ... as in PyTorch's {@code nn.Sequential}. */
public final class Sequential extends Layer {
    private final List<Layer> layers = new ArrayList<>();

    public Sequential(Layer... layers) {
        for (Layer l : layers) add(l);
    }

    /** Appends a layer (registered under the next index) and returns this. */
    public Sequential add(Layer layer) {
        register(Integer.toString(layers.size()), layer);
        layers.add(layer);
        return this;
    }

    public Layer get(int i) { return layers.get(i); }

    public int size() { return layers.size(); }

    @Override public Var forward(Var x) {
        for (Layer l : layers) x = l.forward(x);
        return x;
    }
}
