package io.llamasae.dashboard;

import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.Capture;
import io.llamasae.engine.LayerConvention;
import io.llamasae.sae.safetensors.SafetensorsReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code capture --sae ... --delphi-cache DIR}: turns the sparse codes a capture streamed to its codes
 * file into a Delphi latent cache ({@link DelphiCacheWriter}), reading the codes back in chunks of
 * samples so neither file has to fit in memory. Rows become (sequence = sample, token position);
 * negative positions are resolved against each prompt's length; generated steps have no token in the
 * prompt and are refused.
 */
public final class DelphiCacheExport {
    /** Samples read back per chunk. */
    static final int CHUNK = 256;

    private DelphiCacheExport() {}

    /** The Delphi hookpoint of a llama.cpp block: the Hugging Face module whose output it is. */
    public static String hookpoint(int block) {
        return "layers." + block;
    }

    /** Refuses what a Delphi cache cannot hold, before any forward pass runs. */
    public static void check(CaptureSpec spec) {
        if (!spec.generatedSteps().isEmpty()) {
            throw new IllegalArgumentException("--delphi-cache: generated steps (gK) have no token in the prompt; capture prompt positions or all");
        }
        if (spec.layers().size() != 1) throw new IllegalArgumentException("--delphi-cache: give exactly one layer (the SAE's)");
    }

    /**
     * @param codes       the capture's codes file ({@code layer{L}.pos{P}.indices/values})
     * @param activations the capture's activations file (holds {@code posall.sample_index/position} for {@code --positions all})
     * @param tokens      every sample's prompt tokens, in dataset order
     * @return the files written
     */
    public static List<Path> write(Path codes, Path activations, CaptureSpec spec, LayerConvention convention, List<int[]> tokens,
                                   int numLatents, int nSplits, int padToken, String modelName, String datasetName, Path dir) throws IOException {
        check(spec);
        int block = spec.layers().get(0);
        int seqLen = tokens.stream().mapToInt(t -> t.length).max().orElse(1);
        long realTokens = tokens.stream().mapToLong(t -> t.length).sum();
        List<String> names = Capture.tensorNames(spec, convention);
        try (SafetensorsReader cr = SafetensorsReader.open(codes);
             DelphiCacheWriter w = new DelphiCacheWriter(dir, hookpoint(block), numLatents, nSplits, tokens.size(), seqLen, padToken)) {
            w.config("model_name", modelName);
            w.config("dataset_repo", datasetName);
            w.config("n_tokens", realTokens);
            w.config("llama_sae_block", block);
            w.config("llama_sae_layer_convention", convention.label());
            w.config("llama_sae_positions", spec.allPositions() ? "all" : spec.positions().toString());
            w.config("llama_sae_pad_token_id", padToken);
            for (int[] t : tokens) w.addSequence(t);
            int k = (int) cr.info(names.get(0) + ".indices").shape()[1];
            if (spec.allPositions()) {
                try (SafetensorsReader ar = SafetensorsReader.open(activations)) {
                    long rows = cr.info(names.get(0) + ".indices").shape()[0];
                    for (long r0 = 0; r0 < rows; r0 += (long) CHUNK * 16) {
                        int n = (int) Math.min((long) CHUNK * 16, rows - r0);
                        int[] seq = ints(ar.window("posall.sample_index", r0, n), n);
                        int[] pos = ints(ar.window("posall.position", r0, n), n);
                        w.addRows(seq, pos, ints(cr.window(names.get(0) + ".indices", r0 * k, (long) n * k), n * k),
                                floats(cr.window(names.get(0) + ".values", r0 * k, (long) n * k), n * k), n, k);
                    }
                }
            } else {
                addPositionRows(cr, names, spec, tokens, k, w);
            }
            return w.commit();
        }
    }

    /** Fixed positions: per sample, the rows of every position tensor in ascending token order (a token named twice is written once). */
    private static void addPositionRows(SafetensorsReader cr, List<String> names, CaptureSpec spec, List<int[]> tokens, int k,
                                        DelphiCacheWriter w) throws IOException {
        int nPos = names.size();
        for (int s0 = 0; s0 < tokens.size(); s0 += CHUNK) {
            int n = Math.min(CHUNK, tokens.size() - s0);
            int[][] idx = new int[nPos][];
            float[][] val = new float[nPos][];
            for (int t = 0; t < nPos; t++) {
                idx[t] = ints(cr.window(names.get(t) + ".indices", (long) s0 * k, (long) n * k), n * k);
                val[t] = floats(cr.window(names.get(t) + ".values", (long) s0 * k, (long) n * k), n * k);
            }
            List<int[]> order = new ArrayList<>();   // (sample, position, tensor)
            for (int i = 0; i < n; i++) {
                int len = tokens.get(s0 + i).length;
                List<int[]> mine = new ArrayList<>();
                for (int t = 0; t < nPos; t++) {
                    int p = spec.positions().get(t);
                    int abs = p < 0 ? len + p : p;
                    if (mine.stream().noneMatch(m -> m[1] == abs)) mine.add(new int[] {s0 + i, abs, t, i});
                }
                mine.sort((a, b) -> Integer.compare(a[1], b[1]));
                order.addAll(mine);
            }
            int rows = order.size();
            int[] seq = new int[rows], pos = new int[rows], ri = new int[rows * k];
            float[] rv = new float[rows * k];
            for (int r = 0; r < rows; r++) {
                int[] o = order.get(r);
                seq[r] = o[0];
                pos[r] = o[1];
                System.arraycopy(idx[o[2]], o[3] * k, ri, r * k, k);
                System.arraycopy(val[o[2]], o[3] * k, rv, r * k, k);
            }
            w.addRows(seq, pos, ri, rv, rows, k);
        }
    }

    private static int[] ints(ByteBuffer b, int n) {
        int[] out = new int[n];
        b.asIntBuffer().get(out);
        return out;
    }

    private static float[] floats(ByteBuffer b, int n) {
        float[] out = new float[n];
        b.asFloatBuffer().get(out);
        return out;
    }
}
