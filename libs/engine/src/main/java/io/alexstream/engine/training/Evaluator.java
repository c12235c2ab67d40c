package io.alexstream.engine.training;

import io.alexstream.engine.image.Crops;
import io.alexstream.engine.image.ScaledImage;
import io.alexstream.engine.inference.ClassScore;
import io.alexstream.engine.inference.Prediction;
import io.alexstream.engine.model.AlexNetModel;
import java.util.ArrayList;
import java.util.List;

/** Top-1 / top-5 of a model on labelled images, with ten crops or the centre crop. */
public final class Evaluator {

    private Evaluator() {}

    public static Accuracy evaluate(AlexNetModel model, List<Example> examples, Crops.Mode mode, int batchImages) {
        int top1 = 0;
        int top5 = 0;
        for (int start = 0; start < examples.size(); start += batchImages) {
            List<Example> batch = examples.subList(start, Math.min(examples.size(), start + batchImages));
            List<ScaledImage> images = new ArrayList<>(batch.size());
            batch.forEach(e -> images.add(e.image()));
            List<Prediction> predictions = model.classify(images, mode, 5);
            for (int i = 0; i < batch.size(); i++) {
                List<ClassScore> top = predictions.get(i).top();
                int label = batch.get(i).label();
                if (top.get(0).index() == label) {
                    top1++;
                }
                if (top.stream().anyMatch(s -> s.index() == label)) {
                    top5++;
                }
            }
        }
        int n = examples.size();
        return new Accuracy(n == 0 ? 0 : (double) top1 / n, n == 0 ? 0 : (double) top5 / n, n);
    }
}
