package io.llamasae.lm;

import io.llamasae.model.gguf.GgmlType;
import io.llamasae.model.gguf.GgufWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes the trainer's weights as a llama-architecture GGUF that stock llama.cpp loads: the
 * {@code llama.*} hyperparameters, the {@link ArithmeticVocabulary} tokenizer, matrices in the
 * chosen type (F32, F16 or Q8_0) and RMSNorm gains in F32, plus provenance keys
 * ({@code llama_sae.lm.*}: seed, step, data, ...). Same weights and metadata give a
 * byte-identical file; the file is replaced atomically.
 */
public final class LmGguf {
    private LmGguf() {
    }

    /**
     * @param provenance extra string metadata, written as {@code llama_sae.lm.<key>} in order
     */
    public static void write(NativeLm lm, GgmlType type, String name, Map<String, String> provenance, Path out) throws IOException {
        if (type != GgmlType.F32 && type != GgmlType.F16 && type != GgmlType.Q8_0) {
            throw new IllegalArgumentException("--type: expected f32, f16 or q8_0 but found " + type);
        }
        LmArchitecture a = lm.architecture();
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "llama");
        w.putString("general.name", name);
        w.putUInt32("general.file_type", switch (type) {
            case F32 -> 0;   // LLAMA_FTYPE_ALL_F32
            case F16 -> 1;   // LLAMA_FTYPE_MOSTLY_F16
            default -> 7;    // LLAMA_FTYPE_MOSTLY_Q8_0
        });
        w.putUInt32("llama.vocab_size", a.nVocab());
        w.putUInt32("llama.context_length", a.nCtx());
        w.putUInt32("llama.embedding_length", a.nEmbd());
        w.putUInt32("llama.block_count", a.nLayer());
        w.putUInt32("llama.feed_forward_length", a.nFf());
        w.putUInt32("llama.rope.dimension_count", a.headDim());
        w.putUInt32("llama.attention.head_count", a.nHead());
        w.putUInt32("llama.attention.head_count_kv", a.nHead());
        w.putFloat32("llama.attention.layer_norm_rms_epsilon", a.rmsEps());
        w.putFloat32("llama.rope.freq_base", a.ropeFreqBase());
        ArithmeticVocabulary.putTokenizer(w);
        provenance.forEach((k, v) -> w.putString("llama_sae.lm." + k, v));
        for (NativeLm.Tensor t : lm.tensors()) {
            // Q8_0 blocks run along a row (32 values); every width here is a multiple of 32 or the file type is F16/F32
            GgmlType tt = !t.isMatrix() ? GgmlType.F32 : (type == GgmlType.Q8_0 && t.cols() % 32 != 0 ? GgmlType.F16 : type);
            w.addTensor(t.name(), tt, t.ne(), lm.tensorWeights(t));
        }
        w.write(out);
    }
}
