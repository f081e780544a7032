// Where does the arithmetic model carry the operation it is about to write? A linear read-out
// (nearest class centroid, 5-fold cross-validated) of the FIRST step's operation from the
// residual stream after every block, at the last prompt token (-1) and at the first generated
// steps g1..g6, for the trained model and its random-init twin side by side. Chance is ~25 %.
//
//   java -cp java/target/llama-sae-cli.jar bench/tools/OperationProbe.java MODEL.gguf TWIN.gguf PROBLEMS.jsonl [N]
//
// Single-file program (java's source launcher); it uses only the library's public API.
import io.llamasae.data.DatasetReader;
import io.llamasae.data.Operation;
import io.llamasae.data.Sample;
import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.Engine;
import io.llamasae.engine.EngineOptions;
import io.llamasae.engine.Generation;
import io.llamasae.engine.GenerationOptions;
import io.llamasae.engine.Model;
import io.llamasae.engine.RunResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

public class OperationProbe {
    static final int STEPS = 6;
    static final int BATCH = 32;

    public static void main(String[] args) throws Exception {
        List<Sample> problems = DatasetReader.read(Path.of(args[2])).samples();
        int n = args.length > 3 ? Math.min(Integer.parseInt(args[3]), problems.size()) : problems.size();
        problems = problems.subList(0, n);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = problems.get(i).operationSequence().get(0).ordinal();
        for (String m : new String[] {args[0], args[1]}) {
            try (Model model = Model.load(Path.of(m))) {
                int nLayer = model.info().nLayer();
                int d = model.info().nEmbd();
                List<Integer> layers = new ArrayList<>();
                for (int l = 0; l < nLayer; l++) layers.add(l);
                // [layer][position slot: 0 = -1, k = gk][problem][d]
                float[][][][] x = new float[nLayer][STEPS + 1][n][];
                try (Engine e = Engine.open(model, EngineOptions.defaults().withCtx(BATCH * 128).withSeqMax(BATCH))) {
                    for (int from = 0; from < n; from += BATCH) {
                        int to = Math.min(n, from + BATCH);
                        List<int[]> prompts = new ArrayList<>();
                        for (int i = from; i < to; i++) prompts.add(model.tokenize(problems.get(i).prompt(), true));
                        e.setCapture(CaptureSpec.of(layers, List.of(-1)));
                        RunResult r = e.run(prompts);
                        for (int l = 0; l < nLayer; l++)
                            for (int i = from; i < to; i++) x[l][0][i] = r.row(l, i - from);
                        List<Integer> steps = new ArrayList<>();
                        for (int k = 1; k <= STEPS; k++) steps.add(k);
                        e.setCapture(new CaptureSpec(layers, List.of(), false, steps));
                        Generation g = e.generate(prompts, GenerationOptions.greedy(STEPS + 2));
                        // one row block per generated step, each holding the prompts in order (RunResult's layout)
                        for (int l = 0; l < nLayer; l++)
                            for (int k = 1; k <= STEPS; k++) {
                                java.nio.FloatBuffer block = g.captured().rows(l, k - 1);
                                for (int i = from; i < to; i++) {
                                    x[l][k][i] = new float[d];
                                    block.get((i - from) * d, x[l][k][i]);
                                }
                            }
                    }
                }
                System.out.println(m + ": first operation read out linearly (nearest centroid, 5-fold CV), " + n + " problems");
                StringBuilder head = new StringBuilder(String.format("%-8s", "block"));
                head.append(String.format("%7s", "-1"));
                for (int k = 1; k <= STEPS; k++) head.append(String.format("%7s", "g" + k));
                System.out.println(head);
                for (int l = 0; l < nLayer; l++) {
                    StringBuilder row = new StringBuilder(String.format("%-8d", l));
                    for (int p = 0; p <= STEPS; p++) row.append(String.format(Locale.ROOT, "%6.1f%%", 100 * cvAccuracy(x[l][p], labels, d)));
                    System.out.println(row);
                }
            }
        }
    }

    /** 5-fold cross-validated accuracy of the nearest class centroid (features standardized on the training folds). */
    static double cvAccuracy(float[][] x, int[] y, int d) {
        int n = y.length, classes = Operation.values().length, correct = 0;
        for (int fold = 0; fold < 5; fold++) {
            double[] mean = new double[d], sd = new double[d];
            int m = 0;
            for (int i = 0; i < n; i++) {
                if (i % 5 == fold || Float.isNaN(x[i][0])) continue;
                m++;
                for (int j = 0; j < d; j++) mean[j] += x[i][j];
            }
            for (int j = 0; j < d; j++) mean[j] /= m;
            for (int i = 0; i < n; i++) {
                if (i % 5 == fold || Float.isNaN(x[i][0])) continue;
                for (int j = 0; j < d; j++) sd[j] += (x[i][j] - mean[j]) * (x[i][j] - mean[j]);
            }
            for (int j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j] / m) + 1e-6;
            double[][] c = new double[classes][d];
            int[] cn = new int[classes];
            for (int i = 0; i < n; i++) {
                if (i % 5 == fold || Float.isNaN(x[i][0])) continue;
                cn[y[i]]++;
                for (int j = 0; j < d; j++) c[y[i]][j] += (x[i][j] - mean[j]) / sd[j];
            }
            for (int k = 0; k < classes; k++) for (int j = 0; j < d; j++) c[k][j] /= Math.max(1, cn[k]);
            for (int i = fold; i < n; i += 5) {
                if (Float.isNaN(x[i][0])) continue;
                int best = -1;
                double bestDist = Double.MAX_VALUE;
                for (int k = 0; k < classes; k++) {
                    if (cn[k] == 0) continue;
                    double dist = 0;
                    for (int j = 0; j < d; j++) {
                        double z = (x[i][j] - mean[j]) / sd[j] - c[k][j];
                        dist += z * z;
                    }
                    if (dist < bestDist) {
                        bestDist = dist;
                        best = k;
                    }
                }
                correct += best == y[i] ? 1 : 0;
            }
        }
        return (double) correct / n;
    }
}
