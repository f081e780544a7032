package io.llamasae.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What an input path is, checked before it is opened: opening a named pipe for reading blocks
 * until something writes to it (forever, for a mistyped path), and a folder or device read as a
 * file fails with a message that does not say why.
 */
public final class InputFiles {
    private InputFiles() {
    }

    /** What is at {@code p}: "a regular file", "a folder", "a named pipe", "a device or socket" or "nothing". */
    public static String kind(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);  // follows links
            if (a.isRegularFile()) return "a regular file";
            if (a.isDirectory()) return "a folder";
            Object mode = Files.getAttribute(p, "unix:mode");
            if (mode instanceof Integer m && (m & 0170000) == 0010000) return "a named pipe";
            return "a device or socket";
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return "a device or socket";
        } catch (IOException e) {
            return Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? "a broken link" : "nothing";
        }
    }

    /**
     * Throws an {@link IOException} "{@code p}: {@code role}: expected a regular file but found ..."
     * unless {@code p} is a regular file (links followed).
     */
    public static void requireRegularFile(Path p, String role) throws IOException {
        String k = kind(p);
        if (!k.equals("a regular file")) {
            throw new InputFileException(p + ": " + role + ": expected a regular file but found " + k);
        }
    }

    /** An input path that is missing or not a regular file. */
    public static final class InputFileException extends IOException {
        public InputFileException(String message) {
            super(message);
        }
    }
}
