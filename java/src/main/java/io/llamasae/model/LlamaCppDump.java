package io.llamasae.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Activations dumped by a llama.cpp run (the engine's test or a standalone C++ checker) for one sequence.
 *
 * <p>File layout, little-endian: {@code "LSAD"}, int32 n_tokens, n_embd, n_layer, n_vocab,
 * int32 tokens[n_tokens], then n_layer blocks of float32 [n_tokens, n_embd] (the {@code l_out-il} tensors,
 * token-major as ggml stores ne = {n_embd, n_tokens}), then float32 logits [n_tokens, n_vocab].
 *
 * @param tokens       [n_tokens]
 * @param layerOutputs [n_layer][n_tokens * n_embd]
 * @param logits       [n_tokens * n_vocab]
 */
public record LlamaCppDump(int nEmbd, int nVocab, int[] tokens, float[][] layerOutputs, float[] logits) {

    public static LlamaCppDump read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        if (all.length < 20 || all[0] != 'L' || all[1] != 'S' || all[2] != 'A' || all[3] != 'D') {
            throw new IOException(file + ": magic: expected \"LSAD\" but found a different header");
        }
        b.position(4);
        int nTokens = b.getInt();
        int nEmbd = b.getInt();
        int nLayer = b.getInt();
        int nVocab = b.getInt();
        long expected = 20L + 4L * nTokens + 4L * nLayer * nTokens * nEmbd + 4L * nTokens * nVocab;
        if (nTokens < 0 || nEmbd < 0 || nLayer < 0 || nVocab < 0 || expected != all.length) {
            throw new IOException(file + ": size: expected " + expected + " bytes for n_tokens=" + nTokens + " n_embd=" + nEmbd
                    + " n_layer=" + nLayer + " n_vocab=" + nVocab + " but found " + all.length);
        }
        int[] tokens = new int[nTokens];
        for (int i = 0; i < nTokens; i++) {
            tokens[i] = b.getInt();
        }
        float[][] layers = new float[nLayer][nTokens * nEmbd];
        for (float[] layer : layers) {
            b.asFloatBuffer().get(layer);
            b.position(b.position() + 4 * layer.length);
        }
        float[] logits = new float[nTokens * nVocab];
        b.asFloatBuffer().get(logits);
        return new LlamaCppDump(nEmbd, nVocab, tokens, layers, logits);
    }
}
