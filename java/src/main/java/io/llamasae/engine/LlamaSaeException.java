package io.llamasae.engine;

import io.llamasae.bind.LlamaSaeLib;

/** A failure reported by the native engine: its status code and its message. */
public class LlamaSaeException extends RuntimeException {
    private final int status;

    public LlamaSaeException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The C API status code ({@code LLAMA_SAE_ERR_*}), or 0 for errors raised on the Java side. */
    public int status() {
        return status;
    }

    /** Throws with the engine's last-error message unless {@code status} is {@code LLAMA_SAE_OK}. */
    static void check(int status, String what) {
        if (status == LlamaSaeLib.LLAMA_SAE_OK) return;
        String msg = LlamaSaeLib.llama_sae_last_error().getString();
        throw new LlamaSaeException(status, msg.isEmpty() ? what + " failed with status " + status : msg);
    }
}
