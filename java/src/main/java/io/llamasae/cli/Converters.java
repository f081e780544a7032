package io.llamasae.cli;

import io.llamasae.analysis.AnalysisMode;
import io.llamasae.engine.LayerConvention;
import io.llamasae.sae.Activation;
import io.llamasae.sae.SaeFormat;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Option value converters shared by every command. Picocli prefixes a refusal with the option
 * ("Invalid value for option '--limit': expected an integer >= 1 but found '-1'"), so each says
 * only what was expected and what was found. {@link #registerDefaults} replaces picocli's own
 * number converters for every option of a number type; options with a range name one of the
 * range converters ({@code converter = Converters.Positive.class}).
 */
final class Converters {
    private Converters() {}

    /** Number converters for every int/long/double/float option of every (sub)command. */
    static void registerDefaults(CommandLine cl) {
        cl.registerConverter(Integer.class, Int::parse);
        cl.registerConverter(Integer.TYPE, Int::parse);
        cl.registerConverter(Long.class, Long64::parse);
        cl.registerConverter(Long.TYPE, Long64::parse);
        cl.registerConverter(Double.class, FiniteDouble::parse);
        cl.registerConverter(Double.TYPE, FiniteDouble::parse);
        cl.registerConverter(Float.class, s -> (float) FiniteDouble.parseFloatRange(s));
        cl.registerConverter(Float.TYPE, s -> (float) FiniteDouble.parseFloatRange(s));
    }

    private static TypeConversionException expected(String what, String found) {
        return new TypeConversionException("expected " + what + " but found '" + found + "'");
    }

    /** Any 32-bit integer. */
    static final class Int implements ITypeConverter<Integer> {
        static Integer parse(String s) {
            try {
                return Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                throw expected("an integer in " + Integer.MIN_VALUE + ".." + Integer.MAX_VALUE, s);
            }
        }

        @Override
        public Integer convert(String s) {
            return parse(s);
        }

        static int atLeast(String s, int min) {
            int v = parse(s);
            if (v < min) throw expected("an integer >= " + min, s);
            return v;
        }
    }

    /** An integer >= 1 (counts, sizes, limits). */
    static final class Positive implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String s) {
            return Int.atLeast(s, 1);
        }
    }

    /** An integer >= 0 (0 usually meaning "automatic"). */
    static final class NonNegative implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String s) {
            return Int.atLeast(s, 0);
        }
    }

    /** Any 64-bit integer. */
    static final class Long64 implements ITypeConverter<Long> {
        static Long parse(String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                throw expected("an integer in " + Long.MIN_VALUE + ".." + Long.MAX_VALUE, s);
            }
        }

        @Override
        public Long convert(String s) {
            return parse(s);
        }
    }

    /** A 64-bit integer >= 0. */
    static final class NonNegativeLong implements ITypeConverter<Long> {
        @Override
        public Long convert(String s) {
            long v = Long64.parse(s);
            if (v < 0) throw expected("an integer >= 0", s);
            return v;
        }
    }

    /** A finite number (NaN and infinities are refused: they would silently become defaults or NaN results). */
    static final class FiniteDouble implements ITypeConverter<Double> {
        static Double parse(String s) {
            double v;
            try {
                v = Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                throw expected("a number", s);
            }
            if (!Double.isFinite(v)) throw expected("a finite number", s);
            return v;
        }

        static double parseFloatRange(String s) {
            double v = parse(s);
            if (Math.abs(v) > Float.MAX_VALUE) throw expected("a number within the float range", s);
            return v;
        }

        @Override
        public Double convert(String s) {
            return parse(s);
        }
    }

    /** A finite number > 0. */
    static final class PositiveDouble implements ITypeConverter<Double> {
        @Override
        public Double convert(String s) {
            double v = FiniteDouble.parse(s);
            if (!(v > 0)) throw expected("a finite number > 0", s);
            return v;
        }
    }

    /** A finite number >= 0. */
    static final class NonNegativeDouble implements ITypeConverter<Double> {
        @Override
        public Double convert(String s) {
            double v = FiniteDouble.parse(s);
            if (!(v >= 0)) throw expected("a finite number >= 0", s);
            return v;
        }
    }

    /** A percentage threshold >= 0 (above 100 is allowed: a bar no share reaches, which switches a rule off). */
    static final class Percent implements ITypeConverter<Double> {
        @Override
        public Double convert(String s) {
            double v = FiniteDouble.parse(s);
            if (!(v >= 0)) throw expected("a percentage >= 0", s);
            return v;
        }
    }

    /** Text that is not empty or blank (a prompt, a pattern). */
    static final class NonBlank implements ITypeConverter<String> {
        @Override
        public String convert(String s) {
            if (s.isBlank()) throw expected("non-empty text", s);
            return s;
        }
    }

    /**
     * A name from a fixed set, parsed by the type's own (case-insensitive) parser; a refusal lists
     * the names the README documents.
     */
    private abstract static class Named<T> implements ITypeConverter<T> {
        private final java.util.function.Function<String, T> parser;
        private final String names;

        Named(java.util.function.Function<String, T> parser, String names) {
            this.parser = parser;
            this.names = names;
        }

        @Override
        public T convert(String s) {
            try {
                return parser.apply(s.trim());
            } catch (IllegalArgumentException e) {
                throw expected(names, s);
            }
        }
    }

    /** llama.cpp (block index) or hf (Hugging Face hidden_states). */
    static final class Convention extends Named<LayerConvention> {
        public Convention() {
            super(LayerConvention::parse, "llama.cpp or hf");
        }
    }

    /** sound or seed. */
    static final class Mode extends Named<AnalysisMode> {
        public Mode() {
            super(AnalysisMode::parse, "sound or seed");
        }
    }

    /** An SAE file format ('-' or '_'). */
    static final class SaeFormatName extends Named<SaeFormat> {
        public SaeFormatName() {
            super(SaeFormat::parse, "saelens, sparsify, reference or dictionary_learning");
        }
    }

    /** An SAE activation. */
    static final class ActivationName extends Named<Activation> {
        public ActivationName() {
            super(Activation::parse, "topk-relu, topk-abs, jumprelu or relu");
        }
    }
}
