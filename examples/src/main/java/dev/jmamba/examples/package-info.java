/**
 * Self-checking example programs: each opens with how to run it and ends by checking its result.
 */
package dev.jmamba.examples;
