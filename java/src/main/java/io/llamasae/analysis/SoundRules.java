package io.llamasae.analysis;

import io.llamasae.data.Operation;
import io.llamasae.data.Sample;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The corrected specialization rules ("sound" mode, the default).
 *
 * <ul>
 *   <li>Operations and operation sequences come from the parsed equations, numbers are whole
 *       numbers among operands and results ("12" never matches "120").</li>
 *   <li>Each candidate pattern is tested for enrichment among a feature's distinct top samples
 *       against the dataset base rate with an exact hypergeometric p-value; p-values of every test
 *       of a run are Benjamini–Hochberg adjusted together ({@link #adjust}).</li>
 *   <li>Labels: insufficient-evidence (fewer than {@code minSupport} active samples), then
 *       highly-specialized (an operation or sequence and a value enriched), sequence-specialized,
 *       operation-specialized, value-specialized, else general.</li>
 * </ul>
 * Candidate patterns: the four operations, the twelve ordered pairs of different operations, and the
 * values of {@link SoundThresholds#values()} or, if empty, the most frequent numbers of the dataset.
 */
public final class SoundRules {
    public static final String GENERAL = "general";
    public static final String OPERATION_SPECIALIZED = "operation-specialized";
    public static final String VALUE_SPECIALIZED = "value-specialized";
    public static final String SEQUENCE_SPECIALIZED = "sequence-specialized";
    public static final String HIGHLY_SPECIALIZED = "highly-specialized";
    public static final String INSUFFICIENT_EVIDENCE = "insufficient-evidence";

    private final List<Sample> samples;
    private final SoundThresholds thresholds;
    private final List<SpecializationPattern> candidates;
    private final List<Set<SpecializationPattern>> perSample;
    private final Map<SpecializationPattern, Integer> baseCounts;

    /** Precomputes per-sample patterns and dataset base counts for {@code samples}. */
    public SoundRules(List<Sample> samples, SoundThresholds thresholds) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("sound rules: expected at least one sample but found none");
        }
        this.samples = List.copyOf(samples);
        this.thresholds = thresholds;
        this.perSample = new ArrayList<>(samples.size());
        Map<String, Integer> numberCounts = new HashMap<>();
        for (Sample s : samples) {
            perSample.add(patternsOf(s));
            for (String num : s.numbers()) {
                numberCounts.merge(num, 1, Integer::sum);
            }
        }
        List<SpecializationPattern> c = new ArrayList<>();
        for (Operation op : Operation.values()) {
            c.add(new SpecializationPattern(PatternKind.OPERATION, op.label()));
        }
        for (Operation a : Operation.values()) {
            for (Operation b : Operation.values()) {
                if (a != b) {
                    c.add(new SpecializationPattern(PatternKind.SEQUENCE, a.label() + "\u2192" + b.label()));
                }
            }
        }
        for (String v : valueCandidates(numberCounts)) {
            c.add(new SpecializationPattern(PatternKind.VALUE, v));
        }
        this.candidates = List.copyOf(c);
        this.baseCounts = new HashMap<>();
        for (Set<SpecializationPattern> ps : perSample) {
            for (SpecializationPattern p : ps) {
                baseCounts.merge(p, 1, Integer::sum);
            }
        }
    }

    public SoundThresholds thresholds() {
        return thresholds;
    }

    /** Patterns tested for every feature. */
    public List<SpecializationPattern> candidates() {
        return candidates;
    }

    /** Dataset samples carrying {@code p}. */
    public int baseCount(SpecializationPattern p) {
        return baseCounts.getOrDefault(p, 0);
    }

    public int datasetSize() {
        return samples.size();
    }

    /** Operation, sequence and value patterns of one sample. */
    public static Set<SpecializationPattern> patternsOf(Sample s) {
        Set<SpecializationPattern> out = new LinkedHashSet<>();
        for (Operation op : s.operations()) {
            out.add(new SpecializationPattern(PatternKind.OPERATION, op.label()));
        }
        for (String seq : s.operationBigrams()) {
            out.add(new SpecializationPattern(PatternKind.SEQUENCE, seq));
        }
        for (String num : s.numbers()) {
            out.add(new SpecializationPattern(PatternKind.VALUE, num));
        }
        return out;
    }

    /**
     * Unadjusted tests of every candidate pattern among {@code topSampleIndices} (duplicates are
     * collapsed: a sample counts once). Candidates absent from the dataset are not tested.
     */
    public List<PatternTest> test(Collection<Integer> topSampleIndices) {
        Set<Integer> distinct = new LinkedHashSet<>(topSampleIndices);
        int n = distinct.size();
        int bigN = samples.size();
        Map<SpecializationPattern, Integer> k = new HashMap<>();
        for (int idx : distinct) {
            if (idx < 0 || idx >= bigN) {
                throw new IllegalArgumentException("top sample index: expected [0, " + bigN + ") but found " + idx);
            }
            for (SpecializationPattern p : perSample.get(idx)) {
                k.merge(p, 1, Integer::sum);
            }
        }
        List<PatternTest> out = new ArrayList<>();
        for (SpecializationPattern p : candidates) {
            int bigK = baseCount(p);
            if (bigK == 0) {
                continue;
            }
            int kk = k.getOrDefault(p, 0);
            out.add(new PatternTest(p, kk, n, bigK, bigN, Enrichment.upperTailP(bigN, bigK, n, kk), Double.NaN, false));
        }
        return out;
    }

    /** Benjamini–Hochberg over all tests of all features together; returns the same shape with q and enriched set. */
    public List<List<PatternTest>> adjust(List<List<PatternTest>> perFeature) {
        int m = 0;
        for (List<PatternTest> l : perFeature) {
            m += l.size();
        }
        double[] p = new double[m];
        int i = 0;
        for (List<PatternTest> l : perFeature) {
            for (PatternTest t : l) {
                p[i++] = t.pValue();
            }
        }
        double[] q = BenjaminiHochberg.adjust(p);
        List<List<PatternTest>> out = new ArrayList<>(perFeature.size());
        i = 0;
        for (List<PatternTest> l : perFeature) {
            List<PatternTest> adj = new ArrayList<>(l.size());
            for (PatternTest t : l) {
                double qi = q[i++];
                adj.add(t.withQ(qi, thresholds.isEnriched(qi, t.share(), t.lift())));
            }
            out.add(adj);
        }
        return out;
    }

    /** Label from the active-sample count and the adjusted tests of one feature. */
    public SoundLabel label(long activeSamples, List<PatternTest> adjusted) {
        if (activeSamples < thresholds.minSupport()) {
            return new SoundLabel(INSUFFICIENT_EVIDENCE, "active on " + activeSamples + " samples (minimum support "
                    + thresholds.minSupport() + ")", List.of());
        }
        List<PatternTest> enriched = new ArrayList<>();
        for (PatternTest t : adjusted) {
            if (t.enriched()) {
                enriched.add(t);
            }
        }
        enriched.sort(STRONGEST_FIRST);
        PatternTest op = first(enriched, PatternKind.OPERATION);
        PatternTest seq = first(enriched, PatternKind.SEQUENCE);
        PatternTest val = first(enriched, PatternKind.VALUE);
        PatternTest structural = seq != null ? seq : op;
        if (structural != null && val != null) {
            return new SoundLabel(HIGHLY_SPECIALIZED, structural.pattern().describe() + " + " + val.pattern().describe(), enriched);
        }
        if (seq != null) {
            return new SoundLabel(SEQUENCE_SPECIALIZED, seq.pattern().describe(), enriched);
        }
        if (op != null) {
            return new SoundLabel(OPERATION_SPECIALIZED, op.pattern().describe(), enriched);
        }
        if (val != null) {
            return new SoundLabel(VALUE_SPECIALIZED, val.pattern().describe(), enriched);
        }
        return new SoundLabel(GENERAL, "no enriched pattern", enriched);
    }

    /** Smallest q, then largest lift, then pattern order. */
    public static final Comparator<PatternTest> STRONGEST_FIRST = Comparator.comparingDouble(PatternTest::qValue)
            .thenComparing(Comparator.comparingDouble(PatternTest::lift).reversed())
            .thenComparing(PatternTest::pattern);

    private static PatternTest first(List<PatternTest> sorted, PatternKind kind) {
        for (PatternTest t : sorted) {
            if (t.pattern().kind() == kind) {
                return t;
            }
        }
        return null;
    }

    /**
     * Reference-shaped scores with sound semantics: operation percentages from parsed equations and
     * counts of samples containing 12, 20, 30, 50, 100 as whole numbers.
     */
    public SeedScores scores(Collection<Integer> topSampleIndices) {
        Set<Integer> distinct = new LinkedHashSet<>(topSampleIndices);
        int n = distinct.size();
        Map<String, Double> ops = new LinkedHashMap<>();
        for (Operation op : Operation.values()) {
            int c = 0;
            for (int idx : distinct) {
                if (samples.get(idx).operations().contains(op)) {
                    c++;
                }
            }
            ops.put(op.label(), n == 0 ? 0.0 : (double) c / n * 100);
        }
        Map<String, Integer> vals = new LinkedHashMap<>();
        for (String v : SeedRules.VALUES) {
            int c = 0;
            for (int idx : distinct) {
                if (samples.get(idx).numbers().contains(v)) {
                    c++;
                }
            }
            vals.put(v, c);
        }
        return new SeedScores(ops, vals, n);
    }

    private List<String> valueCandidates(Map<String, Integer> numberCounts) {
        if (!thresholds.values().isEmpty()) {
            List<String> out = new ArrayList<>();
            for (String v : thresholds.values()) {
                try {
                    out.add(io.llamasae.data.Equation.canonical(new BigDecimal(v.trim())));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("values: expected numbers but found '" + v + "'");
                }
            }
            return out;
        }
        List<Map.Entry<String, Integer>> entries = new ArrayList<>(numberCounts.entrySet());
        entries.removeIf(e -> e.getValue() < thresholds.minValueBaseCount());
        entries.sort(Map.Entry.<String, Integer>comparingByValue().reversed()
                .thenComparing(e -> new BigDecimal(e.getKey())));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < Math.min(entries.size(), thresholds.maxValueCandidates()); i++) {
            out.add(entries.get(i).getKey());
        }
        return out;
    }
}
