package dev.jmamba.optim;

import dev.jmamba.tensor.JmambaException;

/**
 * A learning rate per optimizer step (0-based). Call {@code optimizer.setLr(schedule.lr(step))}
 * before each {@code optimizer.step()}.
 */
@FunctionalInterface
public interface LrSchedule {
    double lr(long step);

    /** The same rate at every step. */
    static LrSchedule constant(double lr) { return step -> lr; }

    /**
     * Linear warm-up then cosine decay:
     * <pre>
     *   step &lt; W:        warmupStart + (base − warmupStart) · step / W
     *   W ≤ step &lt; T:    min + (base − min) · (1 + cos(π · (step − W) / (T − W))) / 2
     *   step ≥ T:        min
     * </pre>
     * with W = {@code warmupSteps} and T = {@code totalSteps}.
     */
    static LrSchedule warmupCosine(double base, long warmupSteps, long totalSteps, double warmupStart, double min) {
        if (warmupSteps < 0 || totalSteps <= warmupSteps) {
            throw new JmambaException("warmupCosine: need 0 <= warmupSteps < totalSteps, got " + warmupSteps + ", " + totalSteps);
        }
        return step -> {
            if (step < 0) throw new JmambaException("LrSchedule: step must be >= 0, got " + step);
            if (step < warmupSteps) return warmupStart + (base - warmupStart) * step / warmupSteps;
            if (step >= totalSteps) return min;
            double progress = (double) (step - warmupSteps) / (totalSteps - warmupSteps);
            return min + (base - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
        };
    }
}
