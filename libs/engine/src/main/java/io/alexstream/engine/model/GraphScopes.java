package io.alexstream.engine.model;

import java.util.HashMap;
import java.util.Map;
import org.tensorflow.op.Ops;

/**
 * Name scopes by path, each created once: TensorFlow Java makes a sub-scope name unique every
 * time it is opened, so {@code conv1/weights} and {@code conv1/bias} must share one scope.
 */
final class GraphScopes {

    private final Ops root;
    private final Map<String, Ops> byPath = new HashMap<>();

    GraphScopes(Ops root) {
        this.root = root;
    }

    /** The root ops, outside every named scope. */
    Ops root() {
        return root;
    }

    /** Ops inside the scope {@code path}, e.g. {@code infer/conv1}. */
    Ops at(String path) {
        if (path.isEmpty()) {
            return root;
        }
        Ops cached = byPath.get(path);
        if (cached == null) {
            int slash = path.lastIndexOf('/');
            Ops parent = slash < 0 ? root : at(path.substring(0, slash));
            cached = parent.withSubScope(path.substring(slash + 1));
            byPath.put(path, cached);
        }
        return cached;
    }

    /** Ops whose next op is called exactly {@code path}, e.g. {@code conv1/weights}. */
    Ops named(String path) {
        int slash = path.lastIndexOf('/');
        Ops parent = slash < 0 ? root : at(path.substring(0, slash));
        return parent.withName(path.substring(slash + 1));
    }
}
