package io.llamasae.validation;

import io.llamasae.analysis.CausalStatistics;
import io.llamasae.analysis.FeatureStatistics;
import io.llamasae.analysis.Interval;
import io.llamasae.analysis.RankedFeature;
import io.llamasae.analysis.Ranking;
import io.llamasae.data.Operation;
import io.llamasae.data.Sample;
import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.Edit;
import io.llamasae.engine.Engine;
import io.llamasae.engine.Generation;
import io.llamasae.engine.GenerationOptions;
import io.llamasae.engine.InterventionSpec;
import io.llamasae.engine.NativeSae;
import io.llamasae.engine.RunResult;
import io.llamasae.sae.SparseCodes;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The reference study's causal validation (stories 4 and 5) on a live engine: sanity checks, ablation
 * of the most frequent features (ground truth), operation-level ablation, amplification sweeps and
 * swaps, all compared with the clean run on the same samples.
 *
 * <p>Cost: one prefill pass (codes at the analysed position, for ranking and impact), one batch of
 * forward passes for the sanity checks, then per group of prompts one clean generation and one per
 * condition; the clean generation is shared by every condition and only one group's first-step
 * logits are held at a time. Limit samples, features and {@code maxTokens} to bound the time.
 *
 * <p>The engine's SAE at {@code config.block()} is (re)attached here; interventions and captures are
 * cleared when a method returns. Not thread-safe (one engine).
 */
public final class ValidationExperiments {
    /** Progress of the generation pass: generate calls done out of total. */
    public interface Progress {
        void update(long done, long total);
    }

    /** Codes at the analysed position: {@code indices, values: [n, k]} and their statistics (sample index = prompt index). */
    public record Encoded(SparseCodes codes, FeatureStatistics statistics) {}

    /**
     * Per-sample outcomes of one condition over the generated samples.
     *
     * @param correct correct answer under the condition: [n]
     * @param changed generated tokens differ from the clean ones: [n]
     * @param kl      KL(clean ‖ condition) of the first generated step: [n]
     */
    public record Outcomes(boolean[] correct, boolean[] changed, double[] kl) {}

    /**
     * The generation pass: clean outcomes and one {@link Outcomes} per condition (same order).
     *
     * @param cleanTexts   generated text of each sample without edits
     * @param cleanCorrect [n]
     * @param answered     [n] an answer could be extracted from the clean text
     */
    public record GenerationPass(List<String> cleanTexts, boolean[] cleanCorrect, boolean[] answered, List<Outcomes> conditions) {}

    private final Engine engine;
    private final NativeSae sae;
    private final ValidationConfig config;

    public ValidationExperiments(Engine engine, NativeSae sae, ValidationConfig config) {
        this.engine = engine;
        this.sae = sae;
        this.config = config;
        int f = sae.sae().numLatents();
        for (int latent : config.namedLatents()) {
            EditSpecs.checkLatent(latent, f, "validation", "latent " + latent);
        }
        if (config.block() >= engine.model().info().nLayer()) {
            throw new IllegalArgumentException("validation: block " + config.block() + " out of range, the model has "
                    + engine.model().info().nLayer() + " blocks");
        }
        engine.attachSae(config.block(), sae, 0);
    }

    /** Tokenizes prompts the way {@link io.llamasae.study.HookedEncoding} does (BOS if the model adds one). */
    public List<int[]> tokenize(List<Sample> samples) {
        boolean bos = engine.model().info().addBos();
        List<int[]> out = new ArrayList<>(samples.size());
        for (Sample s : samples) out.add(engine.model().tokenize(s.prompt(), bos));
        return out;
    }

    /** Runs everything on {@code samples} and returns the report's content. */
    public ValidationResult run(List<Sample> samples, ValidationResult.Provenance provenance, Progress progress) {
        if (samples.isEmpty()) throw new IllegalArgumentException("validation: expected at least one sample but found none");
        List<int[]> prompts = tokenize(samples);
        List<String> ids = samples.stream().map(Sample::id).toList();
        Encoded enc = encode(prompts, ids);
        SanityChecks sanity = sanity(prompts.subList(0, Math.min(config.sanityPrompts(), prompts.size())));

        List<RankedFeature> ranking = Ranking.byFrequency(enc.statistics());
        List<RankedFeature> top = ranking.stream().filter(r -> r.summary().activeCount() > 0).limit(config.topFeatures()).toList();
        Map<Integer, RankedFeature> rankOf = new LinkedHashMap<>();
        for (RankedFeature r : ranking) rankOf.put(r.featureId(), r);

        // one ablation per top feature and per operation feature, then amplifications and swaps
        int b = config.block();
        List<Condition> conditions = new ArrayList<>();
        Map<Integer, Integer> ablationIndex = new LinkedHashMap<>();
        for (RankedFeature r : top) {
            ablationIndex.put(r.featureId(), conditions.size());
            conditions.add(Condition.ablate(b, r.featureId()));
        }
        Map<Integer, Operation> operationFeatures = operationFeatures();
        List<Integer> ablated = new ArrayList<>(operationFeatures.keySet());
        for (SpecializedTarget t : config.specialized()) ablated.add(t.feature());
        for (int f : ablated) {
            if (!ablationIndex.containsKey(f)) {
                ablationIndex.put(f, conditions.size());
                conditions.add(Condition.ablate(b, f));
            }
        }
        List<Integer> amplifyIndex = new ArrayList<>();
        for (int f : config.amplify()) {
            for (double factor : config.factors()) {
                amplifyIndex.add(conditions.size());
                conditions.add(Condition.amplify(b, f, factor));
            }
        }
        List<Integer> swapIndex = new ArrayList<>();
        for (FeaturePair p : config.swaps()) {
            swapIndex.add(conditions.size());
            conditions.add(Condition.swap(b, p));
        }

        GenerationPass pass = generate(prompts, ids, samples.stream().map(Sample::answer).toList(), conditions, progress);
        List<ConditionResult> results = new ArrayList<>();
        for (int i = 0; i < conditions.size(); i++) {
            results.add(summarize(conditions.get(i), pass.cleanCorrect(), pass.conditions().get(i), enc.codes()));
        }

        List<ValidatedFeature> general = new ArrayList<>();
        for (RankedFeature r : top) {
            ConditionResult c = results.get(ablationIndex.get(r.featureId()));
            general.add(new ValidatedFeature(r.rank(), r.summary(), null, null, c.impact(), c.classification(), c));
        }
        List<ValidatedFeature> specialized = specialized(top, rankOf, ablationIndex, results, enc.codes());
        List<OperationResult> operations = new ArrayList<>();
        for (Map.Entry<Integer, Operation> e : operationFeatures.entrySet()) {
            operations.add(operationLevel(e.getKey(), e.getValue(), samples, pass.cleanCorrect(),
                    pass.conditions().get(ablationIndex.get(e.getKey())).correct()));
        }
        return new ValidationResult(config, samples.size(), LocalDate.now(ZoneOffset.UTC).toString(), sanity, mean(pass.cleanCorrect()),
                mean(pass.answered()), general, specialized, amplifyIndex.stream().map(results::get).toList(),
                swapIndex.stream().map(results::get).toList(), operations, provenance);
    }

    /** The explicit operation features, then those of labelled operation-specialized targets (explicit ones win). */
    private Map<Integer, Operation> operationFeatures() {
        Map<Integer, Operation> out = new LinkedHashMap<>(config.operationFeatures());
        for (SpecializedTarget t : config.specialized()) t.operation().ifPresent(op -> out.putIfAbsent(t.feature(), op));
        return out;
    }

    /** Prefill pass: the SAE codes of every prompt at the analysed position, and their statistics. */
    public Encoded encode(List<int[]> prompts, List<String> ids) {
        int n = prompts.size();
        int k = 0;
        int[] indices = null;
        float[] values = null;
        FeatureStatistics stats = new FeatureStatistics(sae.sae().numLatents(), 1);
        engine.clearInterventions();
        engine.setCapture(CaptureSpec.of(List.of(config.block()), List.of(config.position())));
        int step = engine.options().nSeqMax();
        try {
            for (int start = 0; start < n; start += step) {
                int end = Math.min(n, start + step);
                checkLengths(prompts, ids, start, end);
                RunResult r = engine.run(prompts.subList(start, end));
                if (r.nRows() != end - start) {
                    throw new IllegalStateException("expected one captured row per prompt but found " + r.nRows() + " for " + (end - start));
                }
                RunResult.Codes c = r.codes(0);
                if (indices == null) {
                    k = c.k();
                    indices = new int[Math.multiplyExact(n, k)];
                    values = new float[n * k];
                }
                int rows = end - start;
                c.indices().get(0, indices, start * k, rows * k);
                c.values().get(0, values, start * k, rows * k);
                int[] sampleIndex = new int[rows];
                for (int i = 0; i < rows; i++) sampleIndex[i] = start + r.rowPrompts().get(i);
                stats.accumulate(Arrays.copyOfRange(indices, start * k, end * k), Arrays.copyOfRange(values, start * k, end * k), rows, k,
                        sampleIndex, null);
            }
        } finally {
            engine.setCapture(CaptureSpec.none());
        }
        return new Encoded(new SparseCodes(n, k, indices, values), stats);
    }

    private void checkLengths(List<int[]> prompts, List<String> ids, int start, int end) {
        int p = config.position();
        for (int i = start; i < end; i++) {
            int len = prompts.get(i).length;
            if (len > engine.contextSize()) {
                throw new IllegalArgumentException("sample " + ids.get(i) + ": prompt has " + len + " tokens but the context holds "
                        + engine.contextSize());
            }
            if (p >= len || -p > len) {
                throw new IllegalArgumentException("sample " + ids.get(i) + ": position " + p + " is outside its prompt of " + len + " tokens");
            }
        }
    }

    /** The bit-exact no-op checks and the reconstruction fidelity on {@code prompts} (see {@link SanityChecks}). */
    public SanityChecks sanity(List<int[]> prompts) {
        int b = config.block();
        int nLatents = sae.sae().numLatents();
        int nVocab = engine.model().info().nVocab();
        int n = prompts.size();
        engine.clearInterventions();
        engine.setCapture(CaptureSpec.allPositions(List.of(b)));
        try {
            RunResult r = engine.run(prompts);
            int rows = Math.toIntExact(r.nRows());
            int d = r.nEmbd();
            RunResult.Codes c = r.codes(0);
            int k = c.k();
            int[] idx = new int[rows * k];
            float[] val = new float[rows * k];
            c.indices().get(0, idx);
            c.values().get(0, val);
            float[] h = copy(r.rows(0));
            int[] rowPrompt = new int[rows];
            int[] rowPos = new int[rows];
            r.rowPrompts().get(0, rowPrompt);
            r.rowPositions().get(0, rowPos);

            // rows at the analysed position, one per prompt
            int[] atPosition = new int[n];
            for (int i = 0; i < n; i++) {
                int len = prompts.get(i).length;
                int want = config.position() >= 0 ? config.position() : len + config.position();
                atPosition[i] = -1;
                for (int row = 0; row < rows; row++) if (rowPrompt[row] == i && rowPos[row] == want) atPosition[i] = row;
                if (atPosition[i] < 0) throw new IllegalArgumentException("sanity: position " + config.position() + " is outside prompt " + i);
            }
            boolean[] activeAnywhere = new boolean[nLatents];
            boolean[] activeAtPosition = new boolean[nLatents];
            for (int row = 0; row < rows; row++) {
                for (int s = row * k; s < row * k + k; s++) {
                    if (idx[s] >= 0 && val[s] != 0f) activeAnywhere[idx[s]] = true;
                }
            }
            int swapLatent = -1;
            for (int i = 0; i < n; i++) {
                for (int s = atPosition[i] * k; s < atPosition[i] * k + k; s++) {
                    if (idx[s] >= 0 && val[s] != 0f) {
                        activeAtPosition[idx[s]] = true;
                        if (swapLatent < 0) swapLatent = idx[s];
                    }
                }
            }
            if (swapLatent < 0) swapLatent = 0;
            InterventionScope scope = config.scope();
            // compare on the experiments' own graph path (see sameGraphPath)
            sameGraphPath();
            float[] clean = copy(engine.run(prompts).lastLogits());

            boolean identitySwap = sameBits(clean, logitsWith(prompts, scope.spec(List.of(Edit.swap(b, swapLatent, swapLatent)),
                    config.position(), false)));
            boolean scaleOne = sameBits(clean, logitsWith(prompts, scope.spec(List.of(Edit.scale(b, swapLatent, 1f)), config.position(),
                    false)));
            // the experiments' scope when a latent is inactive on every row it edits, else the analysed position only
            int inactive = scope == InterventionScope.ALL ? firstFalse(activeAnywhere) : -1;
            String nullScope = InterventionScope.ALL.label();
            if (inactive < 0) {
                inactive = firstFalse(activeAtPosition);
                nullScope = InterventionScope.POSITION.label();
            }
            boolean nullAblation = false;
            if (inactive >= 0) {
                InterventionScope s = nullScope.equals("all") ? InterventionScope.ALL : InterventionScope.POSITION;
                nullAblation = sameBits(clean, logitsWith(prompts, s.spec(List.of(Edit.ablate(b, inactive)), config.position(), false)));
            }

            // fidelity: the residual at the analysed position replaced by decode(encode(h))
            float[] recon = logitsWith(prompts, InterventionScope.POSITION.spec(List.of(Edit.scale(b, swapLatent, 1f)),
                    config.position(), true));
            int sameArgmax = 0;
            double sumKl = 0;
            for (int i = 0; i < n; i++) {
                float[] a = Arrays.copyOfRange(clean, i * nVocab, (i + 1) * nVocab);
                float[] q = Arrays.copyOfRange(recon, i * nVocab, (i + 1) * nVocab);
                if (LogitDivergence.argmax(a) == LogitDivergence.argmax(q)) sameArgmax++;
                sumKl += LogitDivergence.kl(a, q);
            }
            int[] pIdx = new int[n * k];
            float[] pVal = new float[n * k];
            float[] pH = new float[n * d];
            for (int i = 0; i < n; i++) {
                System.arraycopy(idx, atPosition[i] * k, pIdx, i * k, k);
                System.arraycopy(val, atPosition[i] * k, pVal, i * k, k);
                System.arraycopy(h, atPosition[i] * d, pH, i * d, d);
            }
            float[] decoded = sae.decode(new SparseCodes(n, k, pIdx, pVal));
            double sumCos = 0;
            for (int i = 0; i < n; i++) sumCos += cosine(pH, decoded, i * d, d);
            return new SanityChecks(n, identitySwap, nullAblation, scaleOne, (double) sameArgmax / n, sumKl / n, sumCos / n, swapLatent,
                    inactive, nullScope);
        } finally {
            engine.clearInterventions();
            engine.setCapture(CaptureSpec.none());
        }
    }

    /**
     * Captures the analysed row in clean and edited runs alike, so both compute the same graph: at
     * the model's last block the engine makes captured and edited rows logits outputs, and a batch
     * with a single output row rounds the output matmul differently (seen as KL ~1e-15 between a
     * clean run and a no-op edit). With the analysed row always an output, clean and edited batches
     * have several output rows per prompt; when edits act everywhere at the last block, every prompt
     * row is captured (elsewhere that would only cost time: other blocks keep all rows anyway).
     */
    private void sameGraphPath() {
        boolean lastBlock = config.block() == engine.model().info().nLayer() - 1;
        engine.setCapture(lastBlock && config.scope() == InterventionScope.ALL ? CaptureSpec.allPositions(List.of(config.block()))
                : CaptureSpec.of(List.of(config.block()), List.of(config.position())));
    }

    private float[] logitsWith(List<int[]> prompts, InterventionSpec spec) {
        engine.setInterventions(spec);
        try {
            return copy(engine.run(prompts).lastLogits());
        } finally {
            engine.clearInterventions();
        }
    }

    /**
     * The generation pass: per group of prompts one clean generation, then one per condition.
     *
     * @param expected the samples' answers (compared after {@link AnswerExtractor} normalisation)
     */
    public GenerationPass generate(List<int[]> prompts, List<String> ids, List<String> expected, List<Condition> conditions,
                                   Progress progress) {
        int n = prompts.size();
        int[] lengths = prompts.stream().mapToInt(p -> p.length).toArray();
        int perCall = Math.min(config.maxPromptsPerCall(), engine.options().nSeqMax());
        List<PromptBatches.Range> batches = PromptBatches.plan(lengths, ids, perCall, engine.contextSize(), config.maxTokens());
        GenerationOptions options = GenerationOptions.greedy(config.maxTokens());
        AnswerExtractor ex = config.extractor();
        String[] texts = new String[n];
        boolean[] cleanCorrect = new boolean[n];
        boolean[] answered = new boolean[n];
        List<Outcomes> outcomes = new ArrayList<>();
        for (int c = 0; c < conditions.size(); c++) outcomes.add(new Outcomes(new boolean[n], new boolean[n], new double[n]));
        List<InterventionSpec> specs = conditions.stream()
                .map(c -> config.scope().spec(c.edits(), config.position(), config.replaceWithReconstruction())).toList();
        long total = (long) batches.size() * (1 + conditions.size());
        long done = 0;
        sameGraphPath();
        engine.clearInterventions();
        try {
            for (PromptBatches.Range range : batches) {
                List<int[]> group = prompts.subList(range.from(), range.to());
                Generation clean = engine.generate(group, options);
                for (int i = 0; i < group.size(); i++) {
                    int s = range.from() + i;
                    texts[s] = clean.texts().get(i);
                    answered[s] = ex.extract(texts[s]).isPresent();
                    cleanCorrect[s] = ex.isCorrect(texts[s], expected.get(s));
                }
                if (progress != null) progress.update(++done, total);
                for (int c = 0; c < conditions.size(); c++) {
                    engine.setInterventions(specs.get(c));
                    Generation g = engine.generate(group, options);
                    engine.clearInterventions();
                    Outcomes o = outcomes.get(c);
                    for (int i = 0; i < group.size(); i++) {
                        int s = range.from() + i;
                        o.correct()[s] = ex.isCorrect(g.texts().get(i), expected.get(s));
                        o.changed()[s] = !Arrays.equals(clean.tokens().get(i), g.tokens().get(i));
                        o.kl()[s] = LogitDivergence.kl(clean.firstLogits()[i], g.firstLogits()[i]);
                    }
                    if (progress != null) progress.update(++done, total);
                }
            }
        } finally {
            engine.clearInterventions();
            engine.setCapture(CaptureSpec.none());
        }
        return new GenerationPass(Arrays.asList(texts), cleanCorrect, answered, outcomes);
    }

    /** Paired statistics of one condition against the clean run, and its impact at the analysed position. */
    public ConditionResult summarize(Condition c, boolean[] cleanCorrect, Outcomes o, SparseCodes codes) {
        int n = cleanCorrect.length;
        double[] clean = new double[n];
        double[] edited = new double[n];
        int b = 0;
        int cc = 0;
        double sumKl = 0;
        double maxKl = 0;
        int changed = 0;
        for (int i = 0; i < n; i++) {
            clean[i] = cleanCorrect[i] ? 1 : 0;
            edited[i] = o.correct()[i] ? 1 : 0;
            if (cleanCorrect[i] && !o.correct()[i]) b++;
            if (!cleanCorrect[i] && o.correct()[i]) cc++;
            sumKl += o.kl()[i];
            maxKl = Math.max(maxKl, o.kl()[i]);
            if (o.changed()[i]) changed++;
        }
        Interval delta = CausalStatistics.bootstrapPairedDifference(edited, clean, config.bootstrapResamples(), config.seed(), config.level());
        ImpactMetrics.Summary impact = impact(c.edits(), codes);
        long active = activeSamples(c.features(), codes);
        return new ConditionResult(c, n, active, config.feasibility().judge(active), mean(clean), mean(edited), delta, b, cc,
                CausalStatistics.mcNemarExact(b, cc), sumKl / n, maxKl, (double) changed / n, impact,
                config.thresholds().classify(impact.meanImpact()));
    }

    /** {@link ImpactMetrics} of {@code edits} over every row of {@code codes}. */
    public ImpactMetrics.Summary impact(List<Edit> edits, SparseCodes codes) {
        ImpactMetrics.Accumulator acc = new ImpactMetrics.Accumulator();
        for (int row = 0; row < codes.n(); row++) {
            acc.add(ImpactMetrics.of(sae.sae(), CodeEdits.apply(codes.indices(), codes.values(), codes.k(), row, edits, config.block())));
        }
        return acc.summary();
    }

    /** Rows of {@code codes} where any of {@code features} is active. */
    static long activeSamples(List<Integer> features, SparseCodes codes) {
        Set<Integer> fs = new LinkedHashSet<>(features);
        long count = 0;
        for (int row = 0; row < codes.n(); row++) {
            for (int s = 0; s < codes.k(); s++) {
                if (fs.contains(codes.index(row, s)) && codes.value(row, s) != 0f) {
                    count++;
                    break;
                }
            }
        }
        return count;
    }

    private List<ValidatedFeature> specialized(List<RankedFeature> top, Map<Integer, RankedFeature> rankOf, Map<Integer, Integer> ablationIndex,
                                               List<ConditionResult> results, SparseCodes codes) {
        Set<Integer> general = new LinkedHashSet<>();
        for (RankedFeature r : top) general.add(r.featureId());
        Map<Integer, String[]> why = new LinkedHashMap<>();
        for (SpecializedTarget t : config.specialized()) why.putIfAbsent(t.feature(), new String[] {t.type(), t.description()});
        for (Map.Entry<Integer, Operation> e : config.operationFeatures().entrySet()) {
            why.putIfAbsent(e.getKey(), new String[] {"operation-specialized", e.getValue().label()});
        }
        for (int f : config.amplify()) why.putIfAbsent(f, new String[] {"amplification-target", "amplified"});
        for (FeaturePair p : config.swaps()) {
            why.putIfAbsent(p.a(), new String[] {"swap-target", "swapped with " + p.b()});
            why.putIfAbsent(p.b(), new String[] {"swap-target", "swapped with " + p.a()});
        }
        List<ValidatedFeature> out = new ArrayList<>();
        for (Map.Entry<Integer, String[]> e : why.entrySet()) {
            int f = e.getKey();
            if (general.contains(f)) continue;
            ImpactMetrics.Summary impact = impact(List.of(Edit.ablate(config.block(), f)), codes);
            Integer at = ablationIndex.get(f);
            RankedFeature r = rankOf.get(f);
            out.add(new ValidatedFeature(r.rank(), r.summary(), e.getValue()[0], e.getValue()[1], impact,
                    config.thresholds().classify(impact.meanImpact()), at == null ? null : results.get(at)));
        }
        return out;
    }

    /** Operation-level comparison (see {@link OperationResult}). */
    public OperationResult operationLevel(int feature, Operation op, List<Sample> samples, boolean[] cleanCorrect, boolean[] ablatedCorrect) {
        List<Double> dWith = new ArrayList<>();
        List<Double> dWithout = new ArrayList<>();
        List<Double> cleanWith = new ArrayList<>();
        List<Double> editedWith = new ArrayList<>();
        List<Double> cleanWithout = new ArrayList<>();
        List<Double> editedWithout = new ArrayList<>();
        int b = 0;
        int c = 0;
        for (int i = 0; i < samples.size(); i++) {
            double cl = cleanCorrect[i] ? 1 : 0;
            double ed = ablatedCorrect[i] ? 1 : 0;
            if (samples.get(i).operations().contains(op)) {
                dWith.add(ed - cl);
                cleanWith.add(cl);
                editedWith.add(ed);
                if (cleanCorrect[i] && !ablatedCorrect[i]) b++;
                if (!cleanCorrect[i] && ablatedCorrect[i]) c++;
            } else {
                dWithout.add(ed - cl);
                cleanWithout.add(cl);
                editedWithout.add(ed);
            }
        }
        int r = config.bootstrapResamples();
        long seed = config.seed();
        double level = config.level();
        Interval with = dWith.isEmpty() ? null
                : CausalStatistics.bootstrapPairedDifference(toArray(editedWith), toArray(cleanWith), r, seed, level);
        Interval without = dWithout.isEmpty() ? null
                : CausalStatistics.bootstrapPairedDifference(toArray(editedWithout), toArray(cleanWithout), r, seed, level);
        Interval diff = dWith.isEmpty() || dWithout.isEmpty() ? null
                : CausalStatistics.bootstrapDifference(toArray(dWith), toArray(dWithout), r, seed, level);
        return new OperationResult(feature, op, dWith.size(), dWithout.size(), with, without, diff, CausalStatistics.mcNemarExact(b, c),
                config.feasibility().judge(dWith.size()));
    }

    private static double[] toArray(List<Double> l) {
        double[] out = new double[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = l.get(i);
        return out;
    }

    private static double mean(double[] x) {
        double s = 0;
        for (double v : x) s += v;
        return x.length == 0 ? 0 : s / x.length;
    }

    private static double mean(boolean[] x) {
        int s = 0;
        for (boolean v : x) if (v) s++;
        return x.length == 0 ? 0 : (double) s / x.length;
    }

    private static int firstFalse(boolean[] x) {
        for (int i = 0; i < x.length; i++) if (!x[i]) return i;
        return -1;
    }

    static boolean sameBits(float[] a, float[] b) {
        if (a.length != b.length) return false;
        for (int i = 0; i < a.length; i++) if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) return false;
        return true;
    }

    private static double cosine(float[] a, float[] b, int off, int d) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = off; i < off + d; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    private static float[] copy(java.nio.FloatBuffer buf) {
        float[] out = new float[buf.limit()];
        buf.get(0, out);
        return out;
    }
}
