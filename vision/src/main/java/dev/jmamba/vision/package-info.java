/**
 * Vision Mamba backbones (Vim, VMamba, LocalMamba, GlobalMamba, FractalMamba): config records, a registry and the shared parts.
 */
package dev.jmamba.vision;
