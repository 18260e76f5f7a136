package dev.jmamba.nn;

import java.util.List;

/**
 * What {@link Module#loadStateDict} found: keys the module has but the state lacked
 * ({@code missing}), keys the state has but the module lacks ({@code unexpected}), and keys
 * present in both with different shapes ({@code mismatched}, each as
 * {@code "name: expected (a, b), got (c)"}).
 */
public record LoadResult(List<String> missing, List<String> unexpected, List<String> mismatched) {
    public LoadResult {
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
        mismatched = List.copyOf(mismatched);
    }

    /** True when every key matched in name and shape. */
    public boolean isClean() { return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty(); }

    /** One readable paragraph listing every problem. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        if (!missing.isEmpty()) sb.append("missing keys ").append(missing).append("; ");
        if (!unexpected.isEmpty()) sb.append("unexpected keys ").append(unexpected).append("; ");
        if (!mismatched.isEmpty()) sb.append("shape mismatches ").append(mismatched).append("; ");
        return sb.isEmpty() ? "all keys matched" : sb.substring(0, sb.length() - 2);
    }
}
