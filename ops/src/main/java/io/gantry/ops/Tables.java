package io.gantry.ops;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Plain-text tables and units for the CLI's listings: columns padded to their widest cell. */
final class Tables {
  private final List<String[]> rows = new ArrayList<>();

  Tables(String... header) {
    rows.add(header);
  }

  Tables row(Object... cells) {
    String[] r = new String[cells.length];
    for (int i = 0; i < cells.length; i++) {
      r[i] = cells[i] == null ? "" : cells[i].toString();
    }
    rows.add(r);
    return this;
  }

  void print(PrintStream out) {
    int columns = rows.stream().mapToInt(r -> r.length).max().orElse(0);
    int[] width = new int[columns];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        line.append(r[i]);
        if (i < r.length - 1) {
          line.append(" ".repeat(width[i] - r[i].length() + 2));
        }
      }
      out.println(line.toString().stripTrailing());
    }
  }

  /** An ISO-8601 instant from the API, to the given precision ("2026-11-27T22:23:13Z"); as is if unparsable. */
  static String time(String iso, java.time.temporal.ChronoUnit precision) {
    try {
      return java.time.Instant.parse(iso).truncatedTo(precision).toString();
    } catch (java.time.format.DateTimeParseException e) {
      return iso;
    }
  }

  /** 268435456 → "256MiB". */
  static String bytes(long n) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return (v == Math.rint(v) ? String.valueOf((long) v) : String.format(java.util.Locale.ROOT, "%.1f", v)) + units[u];
  }

  /** 1500 → "1.5". */
  static String cores(long millis) {
    return millis % 1000 == 0 ? String.valueOf(millis / 1000)
        : String.format(java.util.Locale.ROOT, "%.2f", millis / 1000.0).replaceAll("0+$", "");
  }
}
