/**
 * Backward rules, one small factory per op or op family; each returns a {@link dev.jmamba.autograd.rules.Rule}
 * that captures only what its backward needs. Used by {@code dev.jmamba.autograd.Var}; not an API for users.
 */
package dev.jmamba.autograd.rules;
