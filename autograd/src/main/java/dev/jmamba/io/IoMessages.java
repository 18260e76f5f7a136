package dev.jmamba.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * The reason of an I/O failure in words. Java's file exceptions often carry only the path as their
 * message ({@code AccessDeniedException: /x/y}), which reads as no reason at all; this names it:
 * "permission denied", "not found", "not a folder", ... followed by the operating system's own
 * reason when it gives one.
 */
public final class IoMessages {
    private IoMessages() {}

    /** The reason of {@code e}, without its path when the path is all the message holds. */
    public static String reason(IOException e) {
        String kind = switch (e) {
            case AccessDeniedException a -> "permission denied";
            case NoSuchFileException n -> "not found";
            case NotDirectoryException n -> "not a folder";
            case FileAlreadyExistsException f -> "already exists";
            case DirectoryNotEmptyException d -> "folder not empty";
            default -> null;
        };
        if (e instanceof FileSystemException fs) {
            String r = fs.getReason();
            if (kind == null) return r != null ? r : e.getClass().getSimpleName();
            return r == null || r.equalsIgnoreCase(kind) ? kind : kind + ": " + r;
        }
        String m = e.getMessage();
        if (m == null || m.isBlank()) return e.getClass().getSimpleName();
        return m;
    }
}
