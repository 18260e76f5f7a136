package dev.jmamba.io.pth;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An instance of one of the few inert classes a checkpoint may carry besides its tensors
 * ({@code argparse.Namespace}, {@code yacs.config.CfgNode}): nothing of the class is run; the object
 * is only its attribute dictionary ({@code BUILD} state) and, for dict subclasses, its items.
 *
 * @param className  the pickled class, "module.name"
 * @param attributes the attribute dictionary set by BUILD
 * @param items      the dict items set by SETITEM(S), for dict subclasses
 */
public record PyObject(String className, Map<String, Object> attributes, Map<Object, Object> items) {
    PyObject(String className) {
        this(className, new LinkedHashMap<>(), new LinkedHashMap<>());
    }

    @Override public String toString() { return className + "(" + attributes.size() + " attributes, " + items.size() + " items)"; }
}
