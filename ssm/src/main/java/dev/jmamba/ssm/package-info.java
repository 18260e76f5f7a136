/**
 * The selective scan (S6): a frozen reference, a fast CPU kernel with a hand-written backward, and the Mamba blocks built on it.
 */
package dev.jmamba.ssm;
