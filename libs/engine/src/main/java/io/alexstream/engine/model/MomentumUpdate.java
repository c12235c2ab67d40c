package io.alexstream.engine.model;

import io.alexstream.engine.model.AlexNetGraph.ModelVariable;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The paper's update rule, built as one training step: momentum 0.9 and weight decay 0.0005 on
 * every variable, each update started only after every gradient of the batch is computed, so a
 * step is the same whatever order TensorFlow runs the ops in.
 */
final class MomentumUpdate {

    static final float MOMENTUM = 0.9f;
    static final float WEIGHT_DECAY = 5e-4f;

    private MomentumUpdate() {}

    /**
     * Builds the step op named {@code stepName}: the gradients of {@code loss} by every variable, then
     * the update of each variable through its velocity slot ({@code velocity.get(i)} for variable i).
     */
    static Op build(
            GraphScopes scopes,
            String stepName,
            Operand<TFloat32> loss,
            Operand<TFloat32> learningRate,
            List<ModelVariable> variables,
            List<Variable<TFloat32>> velocity) {
        Ops tf = scopes.root();
        List<Operand<?>> weights = new ArrayList<>();
        variables.forEach(v -> weights.add(v.variable()));
        List<Operand<?>> gradients = new ArrayList<>();
        scopes.at("train/gradients").gradients(loss, weights).forEach(gradients::add);

        // Every update waits for every gradient: a ref variable must not change while the
        // backward pass of an earlier layer still reads it.
        List<Op> gradientOps = new ArrayList<>();
        gradients.forEach(g -> gradientOps.add(scopes.at("train/gradients").identity(g)));
        Ops update = scopes.at("train/update").withControlDependencies(gradientOps);
        Operand<TFloat32> momentum = tf.constant(MOMENTUM);
        Operand<TFloat32> decayRate = update.math.mul(tf.constant(WEIGHT_DECAY), learningRate);
        List<Op> updates = new ArrayList<>();
        for (int i = 0; i < variables.size(); i++) {
            Variable<TFloat32> w = variables.get(i).variable();
            @SuppressWarnings("unchecked")
            Operand<TFloat32> g = (Operand<TFloat32>) gradients.get(i);
            // The paper's rule: v <- 0.9 v - 0.0005 * lr * w - lr * dL/dw ;  w <- w + v
            Operand<TFloat32> newVelocity = update.math.sub(
                    update.math.sub(update.math.mul(momentum, velocity.get(i)), update.math.mul(decayRate, w)),
                    update.math.mul(learningRate, g));
            Operand<TFloat32> assignedVelocity = update.assign(velocity.get(i), newVelocity);
            updates.add(update.assignAdd(w, assignedVelocity));
        }
        return scopes.named(stepName).withControlDependencies(updates).noOp();
    }
}
