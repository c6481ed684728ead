package io.gantry.agent.image;

/**
 * One row of {@code gantry image history}, newest first as {@code docker history} prints them.
 *
 * @param created    when the step ran (ISO-8601), or null
 * @param createdBy  the instruction ({@code created_by})
 * @param size       bytes of the layer blob the step produced; 0 for a metadata-only step
 * @param emptyLayer true when the step changed metadata only
 * @param layer      the layer's blob digest, or null for a metadata-only step
 * @param comment    the entry's comment, or null
 */
public record HistoryRow(String created, String createdBy, long size, boolean emptyLayer, String layer,
                         String comment) {
}
