package dev.jmamba.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmamba.app.data.DataException;
import dev.jmamba.app.data.DataLoader;
import dev.jmamba.app.data.Dataset;
import dev.jmamba.app.train.Evaluator;
import dev.jmamba.vision.checkpoint.RunConfig;
import dev.jmamba.vision.checkpoint.TrainedModel;
import dev.jmamba.app.train.RunData;
import dev.jmamba.tensor.Device;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code jmamba eval}: top-1 / top-5 accuracy and loss of a checkpoint on a validation split. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluate a checkpoint on the validation split: loss, top-1 and top-5 accuracy.")
public final class EvalCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "Run folder or its checkpoint/ folder.")
    Path checkpoint;
    @Option(names = "--data", paramLabel = "D", description = "fashion-mnist, synthetic or a folder (default: the data the run was trained on).")
    String data;
    @Option(names = "--device", paramLabel = "DEV", description = "cpu or cuda[:N] (default: cuda when present).")
    String device;
    @Option(names = "--precision", paramLabel = "P", description = PrecisionOption.DESCRIPTION)
    String precision;

    @Option(names = "--batch-size", paramLabel = "B", description = "Images per batch (default 256).")
    int batchSize = 256;
    @Option(names = "--workers", paramLabel = "W", description = "Data loader threads (default: cores, at most 4).")
    Integer workers;
    @Option(names = "--val-limit", paramLabel = "N", description = "Use only N evenly spaced validation images (default: the run's setting).")
    Integer valLimit;
    @Option(names = "--ema", description = "Evaluate the EMA weights (runs trained with --ema).")
    boolean ema;
    @Option(names = "--json", description = "Print one JSON line instead of text.")
    boolean json;

    @Override public void run() {
        if (batchSize < 1) throw UserError.usage("--batch-size must be >= 1, got " + batchSize);
        if (valLimit != null && valLimit < 1) throw UserError.usage("--val-limit must be >= 1, got " + valLimit);
        int w = workers == null ? Math.clamp(Runtime.getRuntime().availableProcessors(), 1, 4) : workers;
        if (w < 1) throw UserError.usage("--workers must be >= 1, got " + w);
        CheckpointModel cm = CheckpointModel.load(checkpoint, device, ema);
        Device dev = cm.device();
        PrecisionOption.apply(precision, dev);
        RunConfig.DataSpec ds = cm.config().data();
        if (data == null && ds.kind().equals(TrainedModel.NO_DATA)) {
            throw UserError.usage(cm.dir() + " was imported and names no data set; pass --data DIR (an ImageNet-layout folder)");
        }
        String[] kp = data == null ? new String[] {ds.kind(), ds.path()} : RunData.kindAndPath(data);
        int limit = valLimit != null ? valLimit : data == null ? ds.valLimit() : 0;
        try {
            RunData rd = RunData.open(new RunConfig.DataSpec(kp[0], kp[1], 0, limit, ds.classNames(), ds.channels(), ds.mean(), ds.std(), ds.augment()));
            Dataset val = rd.val();
            if (val.numClasses() != cm.config().model().numClasses() || val.channels() != cm.config().model().inChannels()) {
                throw UserError.runtime("the data (" + val.numClasses() + " classes, " + val.channels() + " channels) do not match the model ("
                        + cm.config().model().numClasses() + " classes, " + cm.config().model().inChannels() + " channels)");
            }
            Evaluator.Result r;
            try (DataLoader loader = new DataLoader(val, RunData.evalPipeline(val, cm.config().model().resolution()), null,
                    DataLoader.Options.evaluation(batchSize, w))) {
                r = Evaluator.evaluate(cm.model(), loader, dev);
            }
            PrintWriter o = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("checkpoint", cm.dir().toString());
                m.put("data", val.description());
                m.put("images", r.images());
                m.put("val_loss", r.loss());
                m.put("val_top1", r.top1());
                m.put("val_top5", r.top5());
                m.put("skipped_images", rd.skippedImages());
                o.println(new ObjectMapper().writeValueAsString(m));
            } else {
                o.printf("%s on %s: top-1 %.2f%%, top-5 %.2f%%, loss %.4f (%d images%s)%n", cm.dir(), val.description(),
                        100 * r.top1(), 100 * r.top5(), r.loss(), r.images(),
                        rd.skippedImages() > 0 ? ", " + rd.skippedImages() + " unreadable images replaced" : "");
            }
            o.flush();
        } catch (DataException e) {
            throw UserError.runtime(e.getMessage());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write the result as JSON", e);
        }
    }
}
