package dev.jmamba.optim;

import dev.jmamba.nn.Module;
import dev.jmamba.nn.Parameter;
import dev.jmamba.tensor.JmambaException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;

/** Ways to split a module's parameters into {@link ParamGroup}s. */
public final class ParamGroups {
    private ParamGroups() {}

    /** One group holding every parameter, all decayed by {@code weightDecay}. */
    public static List<ParamGroup> all(Module module, double weightDecay) {
        return List.of(ParamGroup.of(module.namedParameters(), weightDecay));
    }

    /**
     * Two groups, as timm's optimizer factory: [decayed with {@code weightDecay}, not decayed].
     * Not decayed: parameters of rank ≤ 1 (biases, norm weights, D, ...), names ending in
     * {@code bias}, parameters flagged {@link Parameter#noWeightDecay()} (norm layers flag theirs), and
     * excluded names. An excluded name matches a full dotted name or its trailing components
     * ({@code "pos_embed"} matches {@code pos_embed} and {@code backbone.pos_embed}).
     * Every excluded name must match at least one parameter (a typo would silently decay it).
     */
    public static List<ParamGroup> noDecayFor(Module module, double weightDecay, String... excludedNames) {
        LinkedHashMap<String, Parameter> decay = new LinkedHashMap<>(), noDecay = new LinkedHashMap<>();
        Set<String> excluded = Set.of(excludedNames);
        Set<String> used = new java.util.HashSet<>();
        for (var e : module.namedParameters().entrySet()) {
            String name = e.getKey();
            Parameter p = e.getValue();
            String hit = excludedMatch(name, excluded);
            if (hit != null) used.add(hit);
            boolean skip = p.rank() <= 1 || name.endsWith("bias") || p.noWeightDecay() || hit != null;
            (skip ? noDecay : decay).put(name, p);
        }
        if (used.size() != excluded.size()) {
            var unmatched = new java.util.TreeSet<>(excluded);
            unmatched.removeAll(used);
            throw new JmambaException("ParamGroups.noDecayFor: excluded names match no parameter: " + unmatched);
        }
        return List.of(ParamGroup.of(decay, weightDecay), ParamGroup.of(noDecay, 0));
    }

    private static String excludedMatch(String name, Set<String> excluded) {
        for (String x : excluded) if (name.equals(x) || name.endsWith("." + x)) return x;
        return null;
    }
}
