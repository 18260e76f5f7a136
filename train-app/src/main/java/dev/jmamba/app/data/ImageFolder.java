package dev.jmamba.app.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * An ImageNet-layout folder split: {@code DIR/train/<class>/<image>} and {@code DIR/val/<class>/<image>}.
 * Classes are the sub-folder names of {@code DIR/train}, sorted; labels are their positions. Images are the
 * files with an image extension (jpg, jpeg, png, bmp, gif; any case), sorted by class then by name, and
 * are decoded to RGB on every {@link #load} ({@link ImageDecoding}: JPEGs with TurboJPEG where it is
 * available, unless {@link #withDecoder} says otherwise; everything else with javax.imageio).
 * {@link #loadFused} decodes and transforms in one pass ({@link FusedCrop}).
 *
 * <p><b>Corrupt images.</b> An image that cannot be decoded (unreadable, not an image, truncated,
 * damaged, or larger than {@link ImageLimits} allow, which is checked from its header) never stops a run: {@link #load} logs one
 * warning naming the file (once per file), counts it in {@link #skippedImages()} (distinct files), and
 * returns the next readable image instead, i.e. index + 1, + 2, ... wrapping at the end, together with
 * that image's own label. The substitute is therefore deterministic. A file once found bad is remembered
 * and not decoded again. Only if no image of the split can be decoded does {@code load} throw.
 */
public final class ImageFolder implements Dataset {
    private static final System.Logger LOG = System.getLogger(ImageFolder.class.getName());
    private static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif");

    private final Path root;
    private final String split;
    private final List<String> classNames;
    private final Path[] files;
    private final int[] labels;
    private final Set<Path> badFiles;
    private final AtomicLong skipped;
    private final ImageDecoding.Decoder decoder;

    private ImageFolder(Path root, String split, List<String> classNames, Path[] files, int[] labels, Set<Path> badFiles,
                        AtomicLong skipped, ImageDecoding.Decoder decoder) {
        this.root = root;
        this.split = split;
        this.classNames = classNames;
        this.files = files;
        this.labels = labels;
        this.badFiles = badFiles;
        this.skipped = skipped;
        this.decoder = decoder;
    }

    /** This split read with {@code decoder} for JPEGs (sharing the record of unreadable files). */
    public ImageFolder withDecoder(ImageDecoding.Decoder decoder) {
        decoder.usesTurboJpeg(); // fails now, naming the reason, when TurboJPEG is asked for but missing
        return new ImageFolder(root, split, classNames, files, labels, badFiles, skipped, decoder);
    }

    /** The first {@code n} of {@code n} evenly spaced images (index i · size / n), or this split when n ≥ size. */
    public ImageFolder evenlySpaced(int n) {
        if (n < 1) throw new IllegalArgumentException("expected at least 1 image, got " + n);
        if (n >= files.length) return this;
        Path[] f = new Path[n];
        int[] l = new int[n];
        for (int i = 0; i < n; i++) {
            int j = (int) ((long) i * files.length / n);
            f[i] = files[j];
            l[i] = labels[j];
        }
        return new ImageFolder(root, split, classNames, f, l, badFiles, skipped, decoder);
    }

    /** The JPEG decoder choice. */
    public ImageDecoding.Decoder decoder() {
        return decoder;
    }

    /** The training split, {@code dir/train}. */
    public static ImageFolder train(Path dir) {
        return open(dir, "train", classesOf(dir.resolve("train")));
    }

    /** The validation split, {@code dir/val}, labelled with the class list of {@code dir/train}. */
    public static ImageFolder val(Path dir) {
        List<String> classes = classesOf(dir.resolve("train"));
        for (String name : classesOf(dir.resolve("val"))) {
            if (!classes.contains(name)) {
                throw new DataException(dir.resolve("val").resolve(name) + ": class folder has no counterpart in " + dir.resolve("train"));
            }
        }
        return open(dir, "val", classes);
    }

    /** True when {@code dir} looks like an ImageNet-layout folder (has a train sub-folder). */
    public static boolean looksLikeImageFolder(Path dir) {
        return Files.isDirectory(dir.resolve("train"));
    }

    private static List<String> classesOf(Path splitDir) {
        if (!Files.isDirectory(splitDir)) {
            throw new DataException(splitDir + ": folder not found (expected an ImageNet layout DIR/train/<class>/*, DIR/val/<class>/*)");
        }
        List<String> names = new ArrayList<>();
        try (Stream<Path> children = Files.list(splitDir)) {
            children.filter(Files::isDirectory).forEach(p -> names.add(p.getFileName().toString()));
        } catch (IOException e) {
            throw new DataException(splitDir + ": cannot list folder (" + dev.jmamba.io.IoMessages.reason(e) + ")", e);
        }
        if (names.isEmpty()) throw new DataException(splitDir + ": no class sub-folders found");
        names.sort(null);
        return List.copyOf(names);
    }

    private static ImageFolder open(Path dir, String split, List<String> classNames) {
        Path splitDir = dir.resolve(split);
        if (!Files.isDirectory(splitDir)) throw new DataException(splitDir + ": folder not found");
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int label = 0; label < classNames.size(); label++) {
            Path classDir = splitDir.resolve(classNames.get(label));
            if (!Files.isDirectory(classDir)) continue; // a validation split may lack some classes
            List<Path> images;
            try (Stream<Path> children = Files.list(classDir)) {
                images = children.filter(ImageFolder::isImageFile).sorted().toList();
            } catch (IOException e) {
                throw new DataException(classDir + ": cannot list folder (" + dev.jmamba.io.IoMessages.reason(e) + ")", e);
            } catch (UncheckedIOException e) {
                throw new DataException(classDir + ": cannot list folder (" + dev.jmamba.io.IoMessages.reason(e.getCause()) + ")", e);
            }
            for (Path p : images) {
                files.add(p);
                labels.add(label);
            }
        }
        if (files.isEmpty()) {
            throw new DataException(splitDir + ": no images found (looked for " + String.join("/", EXTENSIONS.stream().sorted().toList())
                    + " files in " + classNames.size() + " class folders)");
        }
        return new ImageFolder(dir, split, classNames, files.toArray(Path[]::new), labels.stream().mapToInt(Integer::intValue).toArray(),
                ConcurrentHashMap.newKeySet(), new AtomicLong(), ImageDecoding.Decoder.AUTO);
    }

    private static boolean isImageFile(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && Files.isRegularFile(p) && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    @Override public int size() {
        return files.length;
    }

    @Override public List<String> classNames() {
        return classNames;
    }

    @Override public int channels() {
        return 3;
    }

    /** Folder images vary in size. */
    @Override public Optional<Size> nativeSize() {
        return Optional.empty();
    }

    @Override public int label(int index) {
        Dataset.checkIndex(this, index);
        return labels[index];
    }

    /** The file behind sample {@code index}. */
    @Override public Path file(int index) {
        Dataset.checkIndex(this, index);
        return files[index];
    }

    /** Decodes sample {@code index}; a corrupt image is replaced by the next readable one (see class doc). */
    @Override public Sample load(int index) {
        Dataset.checkIndex(this, index);
        for (int step = 0; step < files.length; step++) {
            int i = (index + step) % files.length;
            Path file = files[i];
            if (badFiles.contains(file)) continue;
            try {
                return new Sample(ImageDecoding.readRgb(file, decoder), labels[i]);
            } catch (IOException | RuntimeException | OutOfMemoryError e) { // one bad file must never stop a run
                unreadable(file, e);
            }
        }
        throw new DataException(root.resolve(split) + ": none of the " + files.length + " images could be decoded");
    }

    @Override public boolean supportsFused() {
        return true;
    }

    /**
     * Decodes sample {@code index} and transforms it with {@code crop} into dst (see
     * {@link Dataset#loadFused}); a corrupt image is replaced by the next readable one, as in
     * {@link #load}, and transformed with a fresh stream from {@code rngs} as {@link #load}'s would be.
     */
    @Override public int loadFused(int index, FusedCrop crop, Supplier<SplittableRandom> rngs, float[] dst, int offset, StageTimes times) {
        Dataset.checkIndex(this, index);
        for (int step = 0; step < files.length; step++) {
            int i = (index + step) % files.length;
            Path file = files[i];
            if (badFiles.contains(file)) continue;
            long t0 = System.nanoTime();
            try {
                ImageDecoding.Opened image = ImageDecoding.open(file, decoder);
                if (times != null) times.decode(System.nanoTime() - t0);
                crop.apply(image, rngs.get(), dst, offset, times);
                return labels[i];
            } catch (IOException | RuntimeException | OutOfMemoryError e) { // one bad file must never stop a run
                unreadable(file, e);
            }
        }
        throw new DataException(root.resolve(split) + ": none of the " + files.length + " images could be decoded");
    }

    private void unreadable(Path file, Throwable e) {
        if (badFiles.add(file)) {
            skipped.incrementAndGet();
            LOG.log(Level.WARNING, "skipping unreadable image " + file + ": " + e.getMessage()
                    + "; the next readable image of the split is used in its place");
        }
    }

    /** Number of distinct image files found unreadable so far (for the {@code skipped_images} metric). */
    public AtomicLong skippedImages() {
        return skipped;
    }

    @Override public String description() {
        return "image folder " + root.resolve(split) + " (" + files.length + " images, " + classNames.size() + " classes)";
    }
}
