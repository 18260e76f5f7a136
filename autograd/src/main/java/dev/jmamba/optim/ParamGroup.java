package dev.jmamba.optim;

import dev.jmamba.nn.Parameter;
import dev.jmamba.tensor.JmambaException;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parameters that share optimizer settings: a learning-rate multiplier (the group's lr is
 * {@code optimizer.lr() · lrScale}) and a weight decay. Parameters are keyed by their dotted names,
 * which also key the optimizer state ({@code exp_avg.<name>}).
 */
public record ParamGroup(Map<String, Parameter> params, double lrScale, double weightDecay) {
    public ParamGroup {
        if (!(lrScale >= 0) || !(weightDecay >= 0)) {
            throw new JmambaException("ParamGroup: lrScale and weightDecay must be >= 0, got " + lrScale + ", " + weightDecay);
        }
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    /** A group with lr multiplier 1. */
    public static ParamGroup of(Map<String, Parameter> params, double weightDecay) {
        return new ParamGroup(params, 1, weightDecay);
    }
}
