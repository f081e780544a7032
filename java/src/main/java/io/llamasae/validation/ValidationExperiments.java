package io.llamasae.validation;

import io.llamasae.analysis.AccuracyInteraction;
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
import io.llamasae.engine.NativeSae;
import io.llamasae.engine.Pass;
import io.llamasae.engine.PassBatch;
import io.llamasae.engine.PassConsumer;
import io.llamasae.engine.PassInput;
import io.llamasae.engine.PassOutput;
import io.llamasae.engine.PassResult;
import io.llamasae.engine.PassSpec;
import io.llamasae.engine.RowBlock;
import io.llamasae.engine.RunResult;
import io.llamasae.engine.Variant;
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
 * <p>Every engine loop here is a {@link Pass}: the prefill encode (codes and statistics computed in
 * the forward pass), the sanity checks and the generation pass (each batch run clean and under every
 * condition as the pass's variants, so clean and edited runs capture the same rows and compute the
 * same graph). The engine's SAE at {@code config.block()} is (re)attached here; interventions and
 * captures are restored when a method returns. Not thread-safe (one engine).
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

    /** Tokenizes prompts the way a {@link PassInput} does (BOS if the model adds one). */
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
        checkLengths(prompts, ids, 0, n);
        int k = sae.sae().defaultK();
        int[] indices = new int[Math.multiplyExact(n, k)];
        float[] values = new float[n * k];
        PassSpec spec = PassSpec.builder(analysedRow()).sae(config.block(), sae).outputs(PassOutput.CODES, PassOutput.STATISTICS)
                .topN(1).batchSize(engine.options().nSeqMax()).build();
        PassConsumer collect = new PassConsumer() {
            @Override
            public void accept(PassBatch b) {
                RunResult.Codes c = b.result().codes(0, 0);
                c.indices().get(0, indices, b.from() * k, b.size() * k);
                c.values().get(0, values, b.from() * k, b.size() * k);
            }
        };
        PassResult r = Pass.run(engine, spec, new PassInput(ids, prompts, 0), collect);
        return new Encoded(new SparseCodes(n, k, indices, values), r.statistics(config.block(), RowBlock.position(config.position())));
    }

    /** The analysed row of every prompt: the block at the analysed position. */
    private CaptureSpec analysedRow() {
        return CaptureSpec.of(List.of(config.block()), List.of(config.position()));
    }

    private void checkLengths(List<int[]> prompts, List<String> ids, int start, int end) {
        int p = config.position();
        for (int i = start; i < end; i++) {
            int len = prompts.get(i).length;
            if (len > engine.contextSize()) {
                throw new IllegalArgumentException("sample " + ids.get(i) + ": prompt: expected at most the " + engine.contextSize()
                        + " tokens of the context (raise --ctx) but found " + len + " tokens");
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
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) ids.add("sanity prompt " + i);
        PassInput input = new PassInput(ids, prompts, 0);

        // 1. Every row of the block: which latents are active where, and the analysed rows.
        PassSpec probe = PassSpec.builder(CaptureSpec.allPositions(List.of(b))).sae(b, sae).outputs(PassOutput.ROWS, PassOutput.CODES)
                .batchSize(Math.max(1, n)).build();
        int k = sae.sae().defaultK();
        int d = engine.model().info().nEmbd();
        int[] pIdx = new int[n * k];
        float[] pVal = new float[n * k];
        float[] pH = new float[n * d];
        boolean[] activeAnywhere = new boolean[nLatents];
        boolean[] activeAtPosition = new boolean[nLatents];
        int[] swap = {-1};
        Pass.run(engine, probe, input, new PassConsumer() {
            @Override
            public void accept(PassBatch batch) {
                RunResult r = batch.result();
                int rows = Math.toIntExact(r.nRows());
                RunResult.Codes c = r.codes(0);
                boolean[] found = new boolean[batch.size()];
                for (int row = 0; row < rows; row++) {
                    int i = batch.from() + r.rowPrompts().get(row);
                    int len = prompts.get(i).length;
                    boolean analysed = r.rowPositions().get(row) == (config.position() >= 0 ? config.position() : len + config.position());
                    for (int s = row * k; s < row * k + k; s++) {
                        int f = c.indices().get(s);
                        if (f < 0 || c.values().get(s) == 0f) continue;
                        activeAnywhere[f] = true;
                        if (analysed) {
                            activeAtPosition[f] = true;
                            if (swap[0] < 0) swap[0] = f;
                        }
                    }
                    if (!analysed) continue;
                    found[i - batch.from()] = true;
                    c.indices().get(row * k, pIdx, i * k, k);
                    c.values().get(row * k, pVal, i * k, k);
                    r.rows(0).get(row * d, pH, i * d, d);
                }
                for (int i = 0; i < found.length; i++) {
                    if (!found[i]) throw new IllegalArgumentException("sanity: position " + config.position() + " is outside prompt " + i);
                }
            }
        });
        int swapLatent = swap[0] < 0 ? 0 : swap[0];
        InterventionScope scope = config.scope();
        // the experiments' scope when a latent is inactive on every row it edits, else the analysed position only
        int inactive = scope == InterventionScope.ALL ? firstFalse(activeAnywhere) : -1;
        String nullScope = InterventionScope.ALL.label();
        if (inactive < 0) {
            inactive = firstFalse(activeAtPosition);
            nullScope = InterventionScope.POSITION.label();
        }

        // 2. Clean and no-op runs, one pass with a variant each, on the experiments' own graph path.
        List<Variant> variants = new ArrayList<>();
        variants.add(Variant.clean());
        variants.add(Variant.edited("identity swap", scope.spec(List.of(Edit.swap(b, swapLatent, swapLatent)), config.position(), false)));
        variants.add(Variant.edited("scale by 1", scope.spec(List.of(Edit.scale(b, swapLatent, 1f)), config.position(), false)));
        // fidelity: the residual at the analysed position replaced by decode(encode(h))
        variants.add(Variant.edited("reconstruction", InterventionScope.POSITION.spec(List.of(Edit.scale(b, swapLatent, 1f)),
                config.position(), true)));
        if (inactive >= 0) {
            InterventionScope s = nullScope.equals("all") ? InterventionScope.ALL : InterventionScope.POSITION;
            variants.add(Variant.edited("null ablation", s.spec(List.of(Edit.ablate(b, inactive)), config.position(), false)));
        }
        float[][] logits = new float[variants.size()][n * nVocab];
        PassSpec checks = PassSpec.builder(graphPath()).sae(b, sae).outputs(java.util.Set.of()).batchSize(Math.max(1, n))
                .variants(variants).build();
        Pass.run(engine, checks, input, new PassConsumer() {
            @Override
            public void accept(PassBatch batch) {
                batch.result().lastLogits().get(0, logits[batch.variant()], batch.from() * nVocab, batch.size() * nVocab);
            }
        });
        float[] clean = logits[0];
        boolean identitySwap = sameBits(clean, logits[1]);
        boolean scaleOne = sameBits(clean, logits[2]);
        float[] recon = logits[3];
        boolean nullAblation = inactive >= 0 && sameBits(clean, logits[4]);
        int sameArgmax = 0;
        double sumKl = 0;
        for (int i = 0; i < n; i++) {
            float[] a = Arrays.copyOfRange(clean, i * nVocab, (i + 1) * nVocab);
            float[] q = Arrays.copyOfRange(recon, i * nVocab, (i + 1) * nVocab);
            if (LogitDivergence.argmax(a) == LogitDivergence.argmax(q)) sameArgmax++;
            sumKl += LogitDivergence.kl(a, q);
        }
        float[] decoded = sae.decode(new SparseCodes(n, k, pIdx, pVal));
        double sumCos = 0;
        for (int i = 0; i < n; i++) sumCos += cosine(pH, decoded, i * d, d);
        return new SanityChecks(n, identitySwap, nullAblation, scaleOne, (double) sameArgmax / n, sumKl / n, sumCos / n, swapLatent,
                inactive, nullScope);
    }

    /**
     * The capture every clean and edited run of the experiments shares, so both compute the same
     * graph: the analysed row. Without the project's llama.cpp patch (or for architectures it does
     * not cover) the engine makes captured rows of the model's LAST block logits outputs, and a batch
     * with a single output row rounds the output matmul differently (seen as KL ~1e-15 between a
     * clean run and a no-op edit); when edits act everywhere at the last block every prompt row is
     * then captured, so clean and edited runs have the same outputs. With the patch captures add no
     * outputs and this costs only a graph split.
     */
    private CaptureSpec graphPath() {
        boolean lastBlock = config.block() == engine.model().info().nLayer() - 1;
        return lastBlock && config.scope() == InterventionScope.ALL ? CaptureSpec.allPositions(List.of(config.block())) : analysedRow();
    }

    /**
     * The generation pass: per group of prompts one clean generation, then one per condition.
     *
     * @param expected the samples' answers (compared after {@link AnswerExtractor} normalisation)
     */
    public GenerationPass generate(List<int[]> prompts, List<String> ids, List<String> expected, List<Condition> conditions,
                                   Progress progress) {
        int n = prompts.size();
        AnswerExtractor ex = config.extractor();
        String[] texts = new String[n];
        boolean[] cleanCorrect = new boolean[n];
        boolean[] answered = new boolean[n];
        List<Outcomes> outcomes = new ArrayList<>();
        for (int c = 0; c < conditions.size(); c++) outcomes.add(new Outcomes(new boolean[n], new boolean[n], new double[n]));
        // Each batch runs clean (variant 0), then once per condition.
        List<Variant> variants = new ArrayList<>();
        variants.add(Variant.clean());
        for (Condition c : conditions) {
            variants.add(Variant.edited(c.label(), config.scope().spec(c.edits(), config.position(), config.replaceWithReconstruction())));
        }
        PassSpec spec = PassSpec.builder(graphPath()).sae(config.block(), sae).outputs(java.util.Set.of())
                .batchSize(Math.min(config.maxPromptsPerCall(), engine.options().nSeqMax())).variants(variants)
                .generation(GenerationOptions.greedy(config.maxTokens())).build();
        PassInput input = new PassInput(ids, prompts, 0);
        long total = (long) Pass.batches(engine, spec, input).size() * variants.size();
        long[] done = {0};
        Generation[] clean = {null};
        Pass.run(engine, spec, input, new PassConsumer() {
            @Override
            public void accept(PassBatch batch) {
                Generation g = batch.generation();
                if (batch.variant() == 0) {
                    clean[0] = g;
                    for (int i = 0; i < batch.size(); i++) {
                        int s = batch.from() + i;
                        texts[s] = g.texts().get(i);
                        answered[s] = ex.extract(texts[s]).isPresent();
                        cleanCorrect[s] = ex.isCorrect(texts[s], expected.get(s));
                    }
                } else {
                    Outcomes o = outcomes.get(batch.variant() - 1);
                    for (int i = 0; i < batch.size(); i++) {
                        int s = batch.from() + i;
                        o.correct()[s] = ex.isCorrect(g.texts().get(i), expected.get(s));
                        o.changed()[s] = !Arrays.equals(clean[0].tokens().get(i), g.tokens().get(i));
                        o.kl()[s] = LogitDivergence.kl(clean[0].firstLogits()[i], g.firstLogits()[i]);
                    }
                }
                if (progress != null) progress.update(++done[0], total);
            }
        });
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
        int brokenWithout = 0;
        int fixedWithout = 0;
        for (int i = 0; i < samples.size(); i++) {
            double cl = cleanCorrect[i] ? 1 : 0;
            double ed = ablatedCorrect[i] ? 1 : 0;
            boolean broken = cleanCorrect[i] && !ablatedCorrect[i];
            boolean fixed = !cleanCorrect[i] && ablatedCorrect[i];
            if (samples.get(i).operations().contains(op)) {
                dWith.add(ed - cl);
                cleanWith.add(cl);
                editedWith.add(ed);
                if (broken) b++;
                if (fixed) c++;
            } else {
                dWithout.add(ed - cl);
                cleanWithout.add(cl);
                editedWithout.add(ed);
                if (broken) brokenWithout++;
                if (fixed) fixedWithout++;
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
        AccuracyInteraction interaction = dWith.isEmpty() || dWithout.isEmpty() ? null
                : AccuracyInteraction.test(dWith.size(), b, c, dWithout.size(), brokenWithout, fixedWithout);
        return new OperationResult(feature, op, dWith.size(), dWithout.size(), with, without, diff, CausalStatistics.mcNemarExact(b, c),
                interaction, config.feasibility().judge(dWith.size()));
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
}
