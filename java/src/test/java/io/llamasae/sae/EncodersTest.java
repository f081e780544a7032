package io.llamasae.sae;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EncodersTest {
    @Test
    void choosesByNameAndAcceptsRegistrations() {
        assertInstanceOf(JavaEncoder.class, Encoders.byName("java"));
        assertInstanceOf(ReferenceEncoder.class, Encoders.byName("Reference"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Encoders.byName("cuda"));
        // the CLI registers "native" once any test in this JVM ran it, so the list may also name it
        assertTrue((e.getMessage().contains("[java, reference]") || e.getMessage().contains("[java, native, reference]"))
                && e.getMessage().contains("'cuda'"), e.getMessage());
        Encoder custom = (sae, x, n, k) -> null;
        Encoders.register("test-custom", () -> custom);
        assertSame(custom, Encoders.byName("test-custom"));
    }
}
