package dev.jmamba.vision.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.JmambaException;
import dev.jmamba.vision.Backbone;
import dev.jmamba.vision.BackboneConfig;
import dev.jmamba.vision.Backbones;
import java.lang.reflect.RecordComponent;
import org.junit.jupiter.api.Test;

/** {@code --drop-path} reaches every Mamba family through {@link ModelRegistry}; the CNNs refuse it. */
class ModelRegistryDropPathTest {

    private static double dropPathOf(BackboneConfig config) throws Exception {
        for (RecordComponent c : config.getClass().getRecordComponents()) {
            if (c.getName().equals("dropPath")) return (double) c.getAccessor().invoke(config);
        }
        throw new AssertionError(config.getClass() + " has no dropPath component");
    }

    @Test void aPositiveRateReplacesThePresetsAndZeroKeepsIt() throws Exception {
        for (String name : Backbones.names()) {
            if (!name.endsWith("-nano")) continue;
            Classifier built = ModelRegistry.create(new ModelRegistry.ModelChoice(name, 10, 1, 28, 0.2, 3));
            BackboneConfig config = ((Backbone) built.module()).config();
            assertEquals(0.2, dropPathOf(config), name);
            // everything else is the preset's: the same config once the rate is put back
            assertEquals(Backbones.config(name), config.withDropPath(dropPathOf(Backbones.config(name))), name);
            Classifier preset = ModelRegistry.create(new ModelRegistry.ModelChoice(name, 10, 1, 28, 0, 3));
            assertEquals(dropPathOf(Backbones.config(name)), dropPathOf(((Backbone) preset.module()).config()), name);
        }
    }

    @Test void cnnsAndRatesOutsideTheUnitIntervalAreRefused() {
        JmambaException cnn = assertThrows(JmambaException.class,
                () -> ModelRegistry.create(new ModelRegistry.ModelChoice("tiny-cnn", 10, 1, 28, 0.1, 0)));
        assertTrue(cnn.getMessage().contains("no drop-path layers"), cnn.getMessage());
        JmambaException one = assertThrows(JmambaException.class,
                () -> ModelRegistry.create(new ModelRegistry.ModelChoice("vim-nano", 10, 1, 28, 1.0, 0)));
        assertTrue(one.getMessage().contains("[0, 1)"), one.getMessage());
    }
}
