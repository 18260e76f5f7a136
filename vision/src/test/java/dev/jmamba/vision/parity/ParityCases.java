package dev.jmamba.vision.parity;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Module;
import dev.jmamba.ssm.block.MambaConfig;
import dev.jmamba.ssm.block.VimMixer;
import dev.jmamba.vision.Backbone;
import dev.jmamba.vision.ModelSpec;
import dev.jmamba.vision.TokenLayout;
import dev.jmamba.vision.fractalmamba.FractalMambaConfig;
import dev.jmamba.vision.globalmamba.GlobalMambaConfig;
import dev.jmamba.vision.localmamba.LocalMixer;
import dev.jmamba.vision.localmamba.LocalVimConfig;
import dev.jmamba.vision.mixer.MultiScanMixer;
import dev.jmamba.vision.mixer.SS2D;
import dev.jmamba.vision.mixer.SS2DConfig;
import dev.jmamba.vision.mixer.ScanOrderSet;
import dev.jmamba.vision.vim.VimConfig;
import dev.jmamba.vision.vmamba.VMambaConfig;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The jmamba side of each parity fixture: the module built with the hyper-parameters make_fixtures.py
 * used (the {@code config} metadata of each file), and how to call it. Shared by the CPU and GPU tests.
 */
enum ParityCases {
    VIM_MIXER("vim_mixer") {
        @Override Built build() {
            VimMixer m = new VimMixer(new MambaConfig(16, 4, 4, 2, 1, 0.001, 0.1, 1e-4, 1.0, true, false, 1));
            return new Built(m, m::forward);
        }
    },
    VIM_MODEL("vim_model") {
        @Override Built build() {
            return model(new VimConfig("vim-parity", 4, 16, 2, 4, 2, 4, 0.0).build(new ModelSpec(5, 16, 3, 1)));
        }
    },
    SS2D_MIXER("ss2d_mixer") {
        @Override Built build() {
            SS2D m = new SS2D(new SS2DConfig(16, 2, 2.0, 1, 3, false, 0.001, 0.1, 1e-4, 1));
            return new Built(m, m::forward);
        }
    },
    VMAMBA_MODEL("vmamba_model") {
        @Override Built build() {
            return model(new VMambaConfig("vmamba-parity", new int[] {16, 32}, new int[] {1, 1}, 2, 2.0, 3, 2.0, 0.0)
                    .build(new ModelSpec(5, 28, 3, 1)));
        }
    },
    LOCAL_MIXER("local_mixer") {
        @Override Built build() {
            LocalMixer m = new LocalMixer(16, 4, 2, 4, LOCAL_DIRECTIONS.get(0), 1);
            TokenLayout grid = TokenLayout.plain(14, 14);
            return new Built(m, x -> m.forward(x, grid));
        }
    },
    LOCALVIM_MODEL("localvim_model") {
        @Override Built build() {
            return model(new LocalVimConfig("localmamba-parity", 2, 16, 2, 4, 2, 4, 0.0, LOCAL_DIRECTIONS, true)
                    .build(new ModelSpec(5, 28, 3, 1)));
        }
    },
    GLOBALMAMBA_MODEL("globalmamba_model") {
        @Override Built build() {
            return model(new GlobalMambaConfig("globalmamba-parity", 4, 16, 2, 4, 2, 4, 0.0, false).build(new ModelSpec(5, 32, 3, 1)));
        }
    },
    FRACTAL_MIXER("fractal_mixer") {
        @Override Built build() {
            MultiScanMixer m = new MultiScanMixer(new SS2DConfig(16, 1, 2.0, 1, 3, false, 0.001, 0.1, 1e-4, 1), 2,
                    ScanOrderSet.named(FractalMambaConfig.HILBERT_PAIR), MultiScanMixer.Extras.GROOTV);
            return new Built(m, m::forward);
        }
    },
    FRACTALMAMBA_MODEL("fractalmamba_model") {
        @Override Built build() {
            return model(new FractalMambaConfig("fractalmamba-parity", 16, new int[] {1, 1}, 1, 2.0, 2.0, 1.5, 0.0,
                    FractalMambaConfig.HILBERT_PAIR, MultiScanMixer.Extras.GROOTV).build(new ModelSpec(5, 28, 3, 1)));
        }
    };

    /** The LocalVim fixture's per-layer directions (together all eight candidates); layer 0 is also the mixer fixture's. */
    static final List<List<String>> LOCAL_DIRECTIONS = List.of(
            List.of("h", "v_flip", "w7", "w2_flip"), List.of("h_flip", "v", "w2", "w7_flip"));

    /** A module and its forward on the fixture input. */
    record Built(Module module, UnaryOperator<Var> forward) {}

    final String fixture;

    ParityCases(String fixture) { this.fixture = fixture; }

    /** A fresh module (random init; the test loads the fixture's weights into it). */
    abstract Built build();

    private static Built model(Backbone b) { return new Built(b, b::forward); }
}
