package dev.jmamba.vision.checkpoint;

import dev.jmamba.vision.models.ModelRegistry.ModelChoice;

import java.util.List;

/**
 * Everything that defines a training run, saved as {@code checkpoint/config.json}: the model, the
 * data (with class names and normalisation, which {@code eval} and {@code predict} need), and the
 * recipe. A resumed run takes all of it from the checkpoint, so the schedule and the data order
 * continue exactly.
 */
public record RunConfig(ModelChoice model, DataSpec data, Recipe recipe) {

    /**
     * Where the data come from and how images are prepared.
     *
     * @param kind       "fashion-mnist" (IDX files in {@code path}), "synthetic" or "folder" (ImageNet layout in {@code path})
     * @param path       the folder for fashion-mnist / folder data, null for synthetic
     * @param trainLimit use only this many training images (evenly spaced), 0 = all
     * @param valLimit   use only this many validation images, 0 = all
     * @param classNames class names, index = label
     * @param channels   C of the images
     * @param mean       (C) normalisation mean
     * @param std        (C) normalisation std
     * @param augment    "light" (pad-crop + flip for small data, random-resized-crop + flip for folders) or "none"
     */
    public record DataSpec(String kind, String path, int trainLimit, int valLimit, List<String> classNames,
                           int channels, float[] mean, float[] std, String augment) {}

    /**
     * The optimisation recipe (see spec/training-recipe.md for the ImageNet values).
     *
     * @param batchSize      images per step B
     * @param epochs         epochs the run spans
     * @param stepsPerEpoch  batches per epoch (last partial batch dropped)
     * @param totalSteps     steps of the whole run (the cosine schedule ends here)
     * @param lr             peak learning rate (AdamW, betas 0.9/0.999, eps 1e-8)
     * @param warmupSteps    linear warm-up steps from {@code warmupStartLr}
     * @param warmupStartLr  learning rate at step 0
     * @param minLr          learning rate at the end of the cosine
     * @param weightDecay    decoupled weight decay (not on biases, norms, 1-D parameters)
     * @param labelSmoothing label smoothing ε
     * @param mixup          mixup α (0 = off)
     * @param cutmix         cutmix α (0 = off)
     * @param randomErasing  random-erasing probability per image
     * @param emaDecay       EMA decay of the weights, 0 = no EMA
     * @param clipGrad       global gradient-norm clip, 0 = none
     * @param seed           root seed: model init, data order and augmentation
     */
    public record Recipe(int batchSize, int epochs, int stepsPerEpoch, long totalSteps, double lr, long warmupSteps,
                         double warmupStartLr, double minLr, double weightDecay, double labelSmoothing, double mixup,
                         double cutmix, double randomErasing, double emaDecay, double clipGrad, long seed) {}
}
