package io.llamasae.analysis;

import java.util.ArrayList;
import java.util.List;

/** An inclusive, 1-based range of frequency ranks, e.g. {@code 50-200}. */
public record RankBand(int from, int to) {
    public RankBand {
        if (from < 1 || to < from) {
            throw new IllegalArgumentException("rank band: expected 1 <= from <= to but found " + from + "-" + to);
        }
    }

    public boolean contains(int rank) {
        return rank >= from && rank <= to;
    }

    /** "50-200". */
    public String label() {
        return from + "-" + to;
    }

    /** Parses {@code "50-200,400-512"} (a single rank {@code "7"} means 7-7). */
    public static List<RankBand> parseList(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("--ranks: expected bands like 50-200,400-512 but found nothing");
        }
        List<RankBand> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            try {
                int dash = p.indexOf('-');
                if (dash < 0) {
                    int r = Integer.parseInt(p);
                    out.add(new RankBand(r, r));
                } else {
                    out.add(new RankBand(Integer.parseInt(p.substring(0, dash).trim()), Integer.parseInt(p.substring(dash + 1).trim())));
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--ranks: expected FROM-TO with whole numbers but found '" + p + "'");
            }
        }
        return out;
    }
}
