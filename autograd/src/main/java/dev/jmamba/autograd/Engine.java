package dev.jmamba.autograd;

import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/** The backward pass: a topological sort of the graph, then one visit per node, output first. */
final class Engine {
    private Engine() {}

    /** Propagates {@code seed} = d(loss)/d(root) to every leaf that requires a gradient. */
    static void backward(Var root, Tensor seed) {
        if (root.node == null) {          // a leaf: its gradient is the seed itself
            root.accumulate(seed);
            return;
        }
        List<Node> order = topologicalOrder(root.node);
        try {
            root.node.accumulate(root.slot, seed);
            for (int k = order.size() - 1; k >= 0; k--) {
                Node node = order.get(k);
                Tensor[] gradOutputs = node.takePending();
                if (gradOutputs == null) continue;   // nothing flowed into this node
                Tensor[] gradInputs = node.runBackward(gradOutputs);
                gradOutputs = null;                  // drop the reference early
                deliver(node, gradInputs);
            }
        } finally {
            for (Node n : order) n.takePending(); // leave no gradients behind after an exception
        }
    }

    private static void deliver(Node node, Tensor[] gradInputs) {
        if (gradInputs == null || gradInputs.length != node.inputs.length) {
            throw new IllegalStateException("backward of '" + node.op + "': expected " + node.inputs.length
                    + " input gradients, got " + (gradInputs == null ? "null" : String.valueOf(gradInputs.length)));
        }
        for (int i = 0; i < gradInputs.length; i++) {
            Var input = node.inputs[i];
            Tensor g = gradInputs[i];
            if (input == null || g == null) continue;
            if (!Shapes.same(g.shape(), input.shape())) {
                throw new IllegalStateException("backward of '" + node.op + "': expected a gradient of shape "
                        + Shapes.str(input.shape()) + " for input " + i + ", got " + Shapes.str(g.shape()));
            }
            input.accumulate(g);
        }
    }

    /**
     * Nodes reachable from {@code root}, every node after all the nodes it consumes (inputs
     * first). An explicit stack replaces recursion, so graph depth is limited only by memory.
     */
    static List<Node> topologicalOrder(Node root) {
        List<Node> order = new ArrayList<>();
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Node> stack = new ArrayDeque<>();
        ArrayDeque<Integer> nextInput = new ArrayDeque<>(); // per stack entry: next input to visit
        stack.push(root);
        nextInput.push(0);
        seen.add(root);
        while (!stack.isEmpty()) {
            Node node = stack.peek();
            int i = nextInput.pop();
            if (i == node.inputs.length) {       // all inputs done: emit the node
                stack.pop();
                order.add(node);
                continue;
            }
            nextInput.push(i + 1);
            Var in = node.inputs[i];
            if (in != null && in.node != null && seen.add(in.node)) {
                stack.push(in.node);
                nextInput.push(0);
            }
        }
        return order;
    }
}
