package io.gantry.scheduler.placement;

import java.util.Arrays;

/**
 * A small open-addressing map from node position to a count, without boxing: the placer asks
 * "how many allocations of this job are on node p" for every candidate of every placement.
 */
final class IntCounter {

    private static final int EMPTY = -1;

    private int[] keys;
    private int[] values;
    private int size;

    IntCounter() {
        keys = new int[16];
        values = new int[16];
        Arrays.fill(keys, EMPTY);
    }

    int get(int key) {
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            int k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == EMPTY) {
                return 0;
            }
        }
    }

    void add(int key, int delta) {
        if (key < 0) {
            throw new IllegalArgumentException("negative key " + key);
        }
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            int k = keys[i];
            if (k == key) {
                values[i] += delta;
                return;
            }
            if (k == EMPTY) {
                keys[i] = key;
                values[i] = delta;
                size++;
                return;
            }
        }
    }

    private void grow() {
        int[] oldKeys = keys;
        int[] oldValues = values;
        keys = new int[oldKeys.length * 2];
        values = new int[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                add(oldKeys[i], oldValues[i]);
            }
        }
    }

    private static int mix(int key) {
        int h = key * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
