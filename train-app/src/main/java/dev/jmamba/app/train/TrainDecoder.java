package dev.jmamba.app.train;

import dev.jmamba.app.data.ImageDecoding;

import java.util.Locale;

/**
 * How a training run decodes the JPEGs of an image folder ({@code train --decoder}): on the host
 * with TurboJPEG where present ({@code auto}), TurboJPEG only, ImageIO only, or with nvJPEG on the
 * GPU straight into device batches ({@code nvjpeg}, {@link dev.jmamba.app.data.DeviceBatchLoader};
 * files nvJPEG cannot decode and the validation split are decoded on the host as with {@code auto}).
 */
public enum TrainDecoder {
    AUTO(ImageDecoding.Decoder.AUTO),
    TURBOJPEG(ImageDecoding.Decoder.TURBOJPEG),
    IMAGEIO(ImageDecoding.Decoder.IMAGEIO),
    NVJPEG(ImageDecoding.Decoder.AUTO);

    private final ImageDecoding.Decoder host;

    TrainDecoder(ImageDecoding.Decoder host) {
        this.host = host;
    }

    /** The decoder of the files decoded on the host. */
    public ImageDecoding.Decoder host() {
        return host;
    }

    /** True when training batches are decoded on the device. */
    public boolean onDevice() {
        return this == NVJPEG;
    }

    /** The name as given on the command line. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses auto, turbojpeg, imageio or nvjpeg (any case); an IllegalArgumentException naming the choices otherwise. */
    public static TrainDecoder parse(String name) {
        for (TrainDecoder d : values()) if (d.name().equalsIgnoreCase(name.strip())) return d;
        throw new IllegalArgumentException("bad --decoder '" + name + "': expected auto, turbojpeg, imageio or nvjpeg");
    }
}
