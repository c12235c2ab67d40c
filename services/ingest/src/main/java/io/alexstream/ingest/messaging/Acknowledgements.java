package io.alexstream.ingest.messaging;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The broker's answer to every record of one request, once all are in: the image ids it
 * acknowledged and those it did not, so a refusal can tell the caller which images to send
 * again. A failed id was not acknowledged; it is not proof that the record is absent.
 *
 * @param firstFailure why the first failed record failed; null when none did
 */
public record Acknowledgements(List<String> published, List<String> failed, Throwable firstFailure) {

    /**
     * Waits for every acknowledgement ({@code acks.get(i)} belongs to {@code ids.get(i)}); never completes
     * exceptionally.
     */
    public static CompletionStage<Acknowledgements> await(List<String> ids, List<CompletableFuture<Void>> acks) {
        return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
                .handle((allDone, anyFailure) -> collect(ids, acks));
    }

    private static Acknowledgements collect(List<String> ids, List<CompletableFuture<Void>> acks) {
        List<String> published = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        Throwable firstFailure = null;
        for (int i = 0; i < ids.size(); i++) {
            try {
                acks.get(i).join();
                published.add(ids.get(i));
            } catch (RuntimeException e) {
                failed.add(ids.get(i));
                if (firstFailure == null) {
                    firstFailure = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                }
            }
        }
        return new Acknowledgements(List.copyOf(published), List.copyOf(failed), firstFailure);
    }

    public boolean allPublished() {
        return failed.isEmpty();
    }
}
