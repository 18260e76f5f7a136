package dev.jmamba.app.data;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * JPEG decoding with libjpeg-turbo's TurboJPEG API ({@code libturbojpeg.so.0}, Debian package
 * {@code libturbojpeg0}), called through the Foreign Function &amp; Memory API. Only the API of
 * TurboJPEG 2.x is used ({@code tjInitDecompress}, {@code tjDecompressHeader3}, {@code tjDecompress2}),
 * which TurboJPEG 3 keeps, so any libjpeg-turbo from 2.0 on works.
 *
 * <p><b>Finding the library.</b> The folder in {@code -Djmamba.native.libDir} or the environment
 * variable {@code JMAMBA_NATIVE_LIB_DIR} first (for machines without the package: copy
 * {@code libturbojpeg.so.0} there; it needs only libc), then the system loader
 * ({@code LD_LIBRARY_PATH}, the ld.so cache), then {@code /usr/lib/x86_64-linux-gnu}. Where none
 * has it, {@link #available()} is false and {@link #unavailableReason()} says why; callers fall
 * back to ImageIO.
 *
 * <p><b>Pixels.</b> Decoding is libjpeg's accurate integer IDCT with fancy (smooth) chroma
 * upsampling, the defaults of both libjpeg-turbo and the IJG libjpeg 6b inside the JDK's ImageIO,
 * so the RGB bytes match ImageIO's (the test states the tolerance). Grayscale JPEGs come out with
 * R = G = B. CMYK and YCCK JPEGs are not decoded here ({@link Header#isCmyk()}): ImageIO converts
 * them to RGB through a colour profile, which callers keep as the one conversion for those (rare)
 * files. EXIF orientation is not applied (as neither ImageIO nor PIL's {@code Image.open} apply it).
 *
 * <p><b>Damaged files.</b> A libjpeg error, and every warning but the benign ones
 * ({@link #isBenignWarning}: extraneous bytes before a marker, common in ImageNet), fail with an
 * {@link IOException} whose message is libjpeg's: a truncated or corrupt file is unreadable rather
 * than silently grey.
 *
 * <p><b>Threads.</b> Each thread gets its own {@link Decoder} ({@link #decoder()}) with its own
 * TurboJPEG handle and native buffers, reused for every image the thread decodes.
 */
public final class TurboJpeg {
    /** Sonames tried, in order. */
    public static final List<String> SONAMES = List.of("libturbojpeg.so.0", "libturbojpeg.so");

    static final int TJPF_RGB = 0, TJPF_GRAY = 6, TJPF_CMYK = 11;
    static final int TJCS_GRAY = 2, TJCS_CMYK = 3, TJCS_YCCK = 4;
    static final int TJERR_WARNING = 0;
    static final int TJFLAG_NOREALLOC = 1024;
    /** TJFLAG_FASTUPSAMPLE: chroma upsampled by replication instead of libjpeg's default triangle ("fancy") filter. */
    public static final int TJFLAG_FASTUPSAMPLE = 256;

    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "jmamba-turbojpeg-cleaner");
        t.setDaemon(true);
        return t;
    });

    /** The bound functions, or the reason the library could not be used. */
    private static final Api API;
    private static final String UNAVAILABLE;

    static {
        Api api = null;
        String why = null;
        try {
            api = new Api(lookup());
        } catch (IOException | RuntimeException | LinkageError e) {
            why = e.getMessage();
        }
        API = api;
        UNAVAILABLE = why;
    }

    private static final ThreadLocal<Decoder> DECODERS = ThreadLocal.withInitial(Decoder::new);

    private TurboJpeg() {}

    /** True when libturbojpeg was found and bound. */
    public static boolean available() {
        return API != null;
    }

    /** Why {@link #available()} is false (null when it is true). */
    public static String unavailableReason() {
        return UNAVAILABLE;
    }

    /** This thread's decoder; throws {@link IllegalStateException} when the library is unavailable. */
    public static Decoder decoder() {
        if (API == null) throw new IllegalStateException("TurboJPEG is not available: " + UNAVAILABLE);
        return DECODERS.get();
    }

    /**
     * The header of a JPEG: its size, and the libjpeg colour space of the stored components
     * (TJCS_*: 0 RGB, 1 YCbCr, 2 gray, 3 CMYK, 4 YCCK).
     */
    public record Header(int width, int height, int colorspace) {
        /** True for CMYK and YCCK JPEGs, which {@link Decoder#decode} leaves to ImageIO. */
        public boolean isCmyk() {
            return colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
        }
    }

    /** A decoded image: {@code rgb} holds (height, width, 3) interleaved bytes in its first 3·h·w entries. */
    public record Decoded(int width, int height, byte[] rgb) {}

    /**
     * The scaled size libjpeg produces for {@code dim} at scale num / denom: ceil(dim · num / denom)
     * (TurboJPEG's TJSCALED).
     */
    public static int scaled(int dim, int num, int denom) {
        return (int) (((long) dim * num + denom - 1) / denom);
    }

    /** The DCT-domain scale factors (num / 8 for num = 1 … 8) that this decoder offers for downscaling. */
    public static final int SCALE_DENOM = 8;

    /** One thread's TurboJPEG handle and buffers. Not thread-safe: use {@link #decoder()} per thread. */
    public static final class Decoder {
        private final Arena arena = Arena.ofAuto();
        private final MemorySegment handle;
        private final MemorySegment ints = arena.allocate(JAVA_INT, 4);
        private MemorySegment input = MemorySegment.NULL;
        private long inputSize;
        private MemorySegment output = MemorySegment.NULL;
        private byte[] rgb = new byte[0];
        private byte[] raw = new byte[0];

        private Decoder() {
            try {
                handle = (MemorySegment) API.initDecompress.invokeExact();
            } catch (Throwable t) {
                throw new IllegalStateException("tjInitDecompress failed: " + t, t);
            }
            if (handle.equals(MemorySegment.NULL)) throw new IllegalStateException("tjInitDecompress returned NULL");
            MemorySegment h = handle;
            Api api = API;
            CLEANER.register(this, () -> {
                try {
                    int ignored = (int) api.destroy.invokeExact(h);
                } catch (Throwable ignored) {
                    // nothing to do in a cleaner
                }
            });
        }

        /**
         * Reads {@code file} into this decoder's input buffer and parses its header; null when the
         * file does not start with the JPEG SOI marker FF D8 FF (the file name is not trusted).
         */
        public Header open(Path file) throws IOException {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = ch.size();
                if (size > Integer.MAX_VALUE) throw new IOException("file is larger than 2 GiB");
                if (input.byteSize() < size) input = arena.allocate(Math.max(size, 2 * input.byteSize()), 64);
                ByteBuffer buf = input.asSlice(0, size).asByteBuffer();
                while (buf.hasRemaining()) {
                    if (ch.read(buf) < 0) throw new IOException("file shrank while being read");
                }
                inputSize = size;
            }
            boolean jpeg = inputSize >= 3 && input.get(JAVA_BYTE, 0) == (byte) 0xFF && input.get(JAVA_BYTE, 1) == (byte) 0xD8
                    && input.get(JAVA_BYTE, 2) == (byte) 0xFF;
            return jpeg ? header() : null;
        }

        /** Copies {@code jpeg} into this decoder's input buffer and parses its header. */
        public Header open(byte[] jpeg) throws IOException {
            if (input.byteSize() < jpeg.length) input = arena.allocate(Math.max(jpeg.length, 2 * input.byteSize()), 64);
            MemorySegment.copy(jpeg, 0, input, JAVA_BYTE, 0, jpeg.length);
            inputSize = jpeg.length;
            return header();
        }

        private Header header() throws IOException {
            int rc;
            try {
                rc = (int) API.decompressHeader3.invokeExact(handle, input, inputSize, ints, ints.asSlice(4), ints.asSlice(8), ints.asSlice(12));
            } catch (Throwable t) {
                throw new IllegalStateException("tjDecompressHeader3 failed: " + t, t);
            }
            if (rc != 0) throw new IOException("not a readable JPEG (" + error() + ")");
            int w = ints.get(JAVA_INT, 0), h = ints.get(JAVA_INT, 4), cs = ints.get(JAVA_INT, 12);
            if (w <= 0 || h <= 0) throw new IOException("JPEG header gives an empty image (" + w + "x" + h + ")");
            return new Header(w, h, cs);
        }

        /**
         * Decodes the image last {@link #open opened} at scale {@code num} / {@link #SCALE_DENOM}
         * (8 = full size) to RGB. The returned byte array belongs to this decoder and is overwritten
         * by its next decode.
         */
        public Decoded decode(Header header, int num) throws IOException {
            return decode(header, num, 0);
        }

        /** {@link #decode(Header, int)} with TurboJPEG decompression flags (e.g. {@link #TJFLAG_FASTUPSAMPLE}). */
        public Decoded decode(Header header, int num, int flags) throws IOException {
            if (num < 1 || num > SCALE_DENOM) throw new IllegalArgumentException("scale must be in [1, 8] / 8, got " + num + " / 8");
            if (header.isCmyk()) throw new IllegalArgumentException("CMYK and YCCK JPEGs are left to ImageIO (see the class comment)");
            int w = scaled(header.width(), num, SCALE_DENOM), h = scaled(header.height(), num, SCALE_DENOM);
            boolean gray = header.colorspace() == TJCS_GRAY;
            int channels = gray ? 1 : 3;
            long bytes = (long) w * h * channels;
            if (3L * w * h > Integer.MAX_VALUE - 16) throw new IOException("image of " + w + "x" + h + " is too large to decode");
            if (output.byteSize() < bytes) output = arena.allocate(Math.max(bytes, 2 * output.byteSize()), 64);
            int rc;
            try {
                rc = (int) API.decompress2.invokeExact(handle, input, inputSize, output, w, 0, h, gray ? TJPF_GRAY : TJPF_RGB, flags);
            } catch (Throwable t) {
                throw new IllegalStateException("tjDecompress2 failed: " + t, t);
            }
            if (rc != 0) {
                String message = error();
                if (errorCode() != TJERR_WARNING || !isBenignWarning(message)) {
                    String lower = message.toLowerCase(Locale.ROOT);
                    throw new IOException(lower.contains("premature end") || lower.contains("truncated")
                            ? "the image data are truncated (" + message + ")" : "damaged image data (" + message + ")");
                }
            }
            int pixels = w * h;
            if (rgb.length < 3 * pixels) rgb = new byte[3 * pixels];
            if (channels == 3) {
                MemorySegment.copy(output, JAVA_BYTE, 0, rgb, 0, 3 * pixels);
            } else {
                if (raw.length < channels * pixels) raw = new byte[channels * pixels];
                MemorySegment.copy(output, JAVA_BYTE, 0, raw, 0, channels * pixels);
                grayToRgb(raw, rgb, pixels);
            }
            return new Decoded(w, h, rgb);
        }

        private String error() {
            try {
                MemorySegment s = (MemorySegment) API.getErrorStr2.invokeExact(handle);
                return s.equals(MemorySegment.NULL) ? "unknown TurboJPEG error" : s.reinterpret(1024).getString(0).trim();
            } catch (Throwable t) {
                return "unknown TurboJPEG error (" + t + ")";
            }
        }

        private int errorCode() {
            try {
                return (int) API.getErrorCode.invokeExact(handle);
            } catch (Throwable t) {
                return 1;
            }
        }
    }

    /**
     * True for the libjpeg warnings after which the decoded image is complete: extraneous bytes
     * before a marker (common in ImageNet), an unknown JFIF revision or Adobe transform code. Any
     * other warning or error fails the decode (TurboJPEG 2.1 may report a fatal error that follows
     * a warning with the warning's code, so the code alone is not trusted).
     */
    static boolean isBenignWarning(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("extraneous bytes before marker") || m.contains("unknown jfif revision") || m.contains("unknown adobe color transform");
    }

    /**
     * True for ImageIO (libjpeg 6b) warnings that mean the image data are damaged or missing:
     * truncated file, premature end of data, and every "Corrupt JPEG data" except extraneous bytes.
     */
    static boolean meansDamagedData(String warning) {
        String w = warning.toLowerCase(Locale.ROOT);
        return w.contains("premature end") || w.contains("truncated")
                || (w.contains("corrupt jpeg data") && !w.contains("extraneous bytes"));
    }

    static void grayToRgb(byte[] gray, byte[] rgb, int pixels) {
        for (int i = 0, o = 0; i < pixels; i++, o += 3) {
            byte v = gray[i];
            rgb[o] = v;
            rgb[o + 1] = v;
            rgb[o + 2] = v;
        }
    }

    /** Encodes (height, width, 3) RGB or (height, width, 4) CMYK bytes as a JPEG (for tests and generated bench data). */
    public static byte[] encode(byte[] pixels, int width, int height, boolean cmyk, int quality, boolean grayscale) {
        if (API == null) throw new IllegalStateException("TurboJPEG is not available: " + UNAVAILABLE);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = (MemorySegment) API.initCompress.invokeExact();
            if (h.equals(MemorySegment.NULL)) throw new IllegalStateException("tjInitCompress returned NULL");
            try {
                MemorySegment src = a.allocate(pixels.length);
                MemorySegment.copy(pixels, 0, src, JAVA_BYTE, 0, pixels.length);
                MemorySegment bufPtr = a.allocate(ADDRESS);
                MemorySegment sizePtr = a.allocate(JAVA_LONG);
                int subsamp = grayscale ? 3 : cmyk ? 0 : 2;   // TJSAMP_GRAY, 444, 420
                int rc = (int) API.compress2.invokeExact(h, src, width, 0, height, cmyk ? TJPF_CMYK : TJPF_RGB, bufPtr, sizePtr, subsamp, quality, 0);
                if (rc != 0) {
                    MemorySegment s = (MemorySegment) API.getErrorStr2.invokeExact(h);
                    throw new IllegalStateException("tjCompress2 failed: " + s.reinterpret(1024).getString(0));
                }
                long size = sizePtr.get(JAVA_LONG, 0);
                MemorySegment jpeg = bufPtr.get(ADDRESS, 0).reinterpret(size);
                byte[] out = jpeg.toArray(JAVA_BYTE);
                API.free.invokeExact(bufPtr.get(ADDRESS, 0));
                return out;
            } finally {
                int ignored = (int) API.destroy.invokeExact(h);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("TurboJPEG encode failed: " + t, t);
        }
    }

    private static SymbolLookup lookup() throws IOException {
        List<String> tried = new ArrayList<>();
        String dir = System.getProperty("jmamba.native.libDir");
        if (dir == null || dir.isBlank()) dir = System.getenv("JMAMBA_NATIVE_LIB_DIR");
        List<Path> folders = new ArrayList<>();
        if (dir != null && !dir.isBlank()) folders.add(Path.of(dir));
        for (Path folder : folders) {
            for (String name : SONAMES) {
                Path p = folder.resolve(name);
                if (Files.isRegularFile(p)) return SymbolLookup.libraryLookup(p, Arena.global());
                tried.add(p.toString());
            }
        }
        for (String name : SONAMES) {
            try {
                return SymbolLookup.libraryLookup(name, Arena.global());
            } catch (IllegalArgumentException e) {
                tried.add(name + " (system loader)");
            }
        }
        for (String name : SONAMES) {
            Path p = Path.of("/usr/lib/x86_64-linux-gnu").resolve(name);
            if (Files.isRegularFile(p)) return SymbolLookup.libraryLookup(p, Arena.global());
        }
        throw new IOException("libturbojpeg was not found (tried " + String.join(", ", tried)
                + "); install the package libturbojpeg0 or put libturbojpeg.so.0 into the folder named by JMAMBA_NATIVE_LIB_DIR");
    }

    /** The bound TurboJPEG functions. */
    private static final class Api {
        final MethodHandle initDecompress, decompressHeader3, decompress2, getErrorStr2, getErrorCode, destroy;
        final MethodHandle initCompress, compress2, free;

        Api(SymbolLookup lib) {
            Linker linker = Linker.nativeLinker();
            initDecompress = bind(linker, lib, "tjInitDecompress", FunctionDescriptor.of(ADDRESS));
            decompressHeader3 = bind(linker, lib, "tjDecompressHeader3",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
            decompress2 = bind(linker, lib, "tjDecompress2",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
            getErrorStr2 = bind(linker, lib, "tjGetErrorStr2", FunctionDescriptor.of(ADDRESS, ADDRESS));
            getErrorCode = bind(linker, lib, "tjGetErrorCode", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            destroy = bind(linker, lib, "tjDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            initCompress = bind(linker, lib, "tjInitCompress", FunctionDescriptor.of(ADDRESS));
            compress2 = bind(linker, lib, "tjCompress2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                    JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
            free = bind(linker, lib, "tjFree", FunctionDescriptor.ofVoid(ADDRESS));
        }

        private static MethodHandle bind(Linker linker, SymbolLookup lib, String name, FunctionDescriptor fd) {
            MemorySegment symbol = lib.find(name).orElseThrow(() -> new IllegalStateException("libturbojpeg has no symbol " + name
                    + " (libjpeg-turbo 2.0 or newer is needed)"));
            return linker.downcallHandle(symbol, fd);
        }
    }
}
