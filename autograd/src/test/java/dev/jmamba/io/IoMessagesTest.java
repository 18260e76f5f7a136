package dev.jmamba.io;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** File exceptions whose message is only the path get their reason in words. */
class IoMessagesTest {
    @Test void reasonsInWords() {
        assertEquals("permission denied", IoMessages.reason(new AccessDeniedException("/x/y")));
        assertEquals("not found", IoMessages.reason(new NoSuchFileException("/x/y")));
        assertEquals("not a folder", IoMessages.reason(new NotDirectoryException("/x/y")));
        assertEquals("permission denied: mounted read-only", IoMessages.reason(new AccessDeniedException("/x", null, "mounted read-only")));
        assertEquals("Read-only file system", IoMessages.reason(new FileSystemException("/x", null, "Read-only file system")));
        assertEquals("FileSystemException", IoMessages.reason(new FileSystemException("/x")));
        assertEquals("No space left on device", IoMessages.reason(new IOException("No space left on device")));
        assertEquals("IOException", IoMessages.reason(new IOException()));
    }
}
