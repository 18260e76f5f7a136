/**
 * Reverse-mode automatic differentiation over any backend: Var, backward rules, GradCheck, custom ops.
 */
package dev.jmamba.autograd;
