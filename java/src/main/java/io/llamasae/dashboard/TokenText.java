package io.llamasae.dashboard;

import io.llamasae.engine.Model;
import java.nio.charset.StandardCharsets;

/**
 * How a token is shown: the text llama.cpp's tokenizer gives it; a visible placeholder when that text is empty (BOS,
 * control tokens); its bytes ({@code <0xE2>}) when it is not valid UTF-8 on its own.
 */
public final class TokenText {
    private TokenText() {}

    public static String of(Model model, int token) {
        byte[] piece = model.tokenPiece(token);
        if (piece.length == 0) {
            if (token == model.info().bosToken()) return "<bos>";
            if (token == model.info().eosToken()) return "<eos>";
            return "<" + token + ">";
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(piece)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            // a byte token holding part of a multi-byte character: show its bytes rather than U+FFFD
            StringBuilder s = new StringBuilder();
            for (byte b : piece) s.append(String.format("<0x%02X>", b & 0xFF));
            return s.toString();
        }
    }
}
