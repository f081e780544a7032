package io.llamasae.analysis;

/** A second-stage seed label: {@code type} and {@code description} exactly as the reference wrote them. */
public record SeedLabel(String type, String description) {
}
