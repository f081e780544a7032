package io.llamasae.dashboard;

import io.llamasae.engine.Model;
import java.nio.charset.StandardCharsets;

/** How a token is shown: the text llama.cpp's tokenizer gives it, or a visible placeholder when that text is empty (BOS, control tokens). */
public final class TokenText {
    private TokenText() {}

    public static String of(Model model, int token) {
        byte[] piece = model.tokenPiece(token);
        if (piece.length == 0) {
            if (token == model.info().bosToken()) return "<bos>";
            if (token == model.info().eosToken()) return "<eos>";
            return "<" + token + ">";
        }
        return new String(piece, StandardCharsets.UTF_8);
    }
}
