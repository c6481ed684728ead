package io.gantry.protocol.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Immutable copies for the records of this package. JSON {@code null} and absent collections
 * become empty ones, so no caller checks for null. The copies are the JDK's immutable
 * collections ({@code List.of}, {@code Map.of}), which Kryo's immutable-collection serializers
 * handle, unlike {@code Collections.unmodifiable*}.
 */
final class Copies {

    private Copies() {
    }

    static <T> List<T> list(String field, List<T> items) {
        if (items == null || items.isEmpty()) {
            return List.of();
        }
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i) == null) {
                throw new IllegalArgumentException(field + "[" + i + "] is null");
            }
        }
        return List.copyOf(items);
    }

    /** Sorted and without duplicates: the shape of a JSON object used as a set ({"80/tcp": {}}). */
    static List<String> sortedSet(String field, List<String> items) {
        List<String> copy = list(field, items);
        return copy.size() < 2 ? copy : List.copyOf(new TreeSet<>(copy));
    }

    /** Go decodes a JSON null map value as the empty string; doing the same keeps such documents readable. */
    static Map<String, String> stringMap(Map<String, String> map) {
        if (map == null || map.isEmpty()) {
            return Map.of();
        }
        Map<String, String> copy = new HashMap<>(map.size() * 2);
        map.forEach((k, v) -> copy.put(k, v == null ? "" : v));
        return Map.copyOf(copy);
    }

    /** Empty strings read as absent, so that a document reads back the same after NON_EMPTY writing. */
    static String text(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    static Map<String, JsonNode> unknown(Map<String, JsonNode> map) {
        if (map == null || map.isEmpty()) {
            return Map.of();
        }
        Map<String, JsonNode> copy = new HashMap<>(map.size() * 2);
        map.forEach((k, v) -> copy.put(k, v == null ? NullNode.getInstance() : v));
        return Map.copyOf(copy);
    }
}
