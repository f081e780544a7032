package io.llamasae.engine;

/**
 * What a loaded GGUF model is.
 *
 * @param nLayer transformer blocks; capturable layers are 0..nLayer-1 (llama.cpp block index)
 * @param nEmbd  residual-stream width: every captured row has this many floats
 */
public record ModelInfo(String architecture, String description, int nLayer, int nEmbd, int nHead, int nHeadKv,
                        int nVocab, int nCtxTrain, long nParams, long sizeBytes, int bosToken, int eosToken,
                        boolean addBos) {}
