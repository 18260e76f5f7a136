package dev.jmamba.io.pth;

/**
 * A storage named by a pickle's persistent id {@code ('storage', torch.XStorage, key, location, numel)}:
 * its bytes are the archive entry {@code <prefix>/data/<key>}, read only when a tensor on it is loaded.
 *
 * @param key      the entry name under {@code data/}
 * @param dtype    the element type
 * @param location where it was saved from ("cpu", "cuda:0", ...); ignored: everything loads to the host
 * @param numel    elements in the storage
 */
public record TorchStorage(String key, TorchDType dtype, String location, long numel) {}
