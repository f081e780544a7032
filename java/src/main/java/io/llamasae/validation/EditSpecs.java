package io.llamasae.validation;

import io.llamasae.engine.Edit;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses command-line edit specs and checks them against the SAE before any model is loaded.
 *
 * <p>Syntax (each optionally followed by {@code @LAYER}, which must be the layer the SAE is attached
 * to): {@code --ablate F}, {@code --scale F=K}, {@code --clamp F=V}, {@code --steer F=ALPHA},
 * {@code --swap A:B}. Latents must be in [0, F); values finite. Every failure is an
 * {@link IllegalArgumentException} with a one-line message naming the option and the text.
 */
public final class EditSpecs {
    private EditSpecs() {}

    /** One parsed edit, not yet bound to a block (the block is known only once the model is loaded). */
    public record EditSpec(Edit.Op op, int latent, float value, int partner, String text) {
        public Edit toEdit(int block) {
            return new Edit(block, latent, op, value, partner);
        }
    }

    /**
     * Parses all edit options in a fixed order (ablate, scale, clamp, steer, swap), so a repeated or
     * mixed option list always yields the same edit list.
     *
     * @param saeLayer   the layer the SAE is attached to (in the user's convention)
     * @param numLatents the SAE's F
     */
    public static List<EditSpec> parse(List<String> ablate, List<String> scale, List<String> clamp, List<String> steer,
                                       List<String> swap, int saeLayer, int numLatents) {
        List<EditSpec> out = new ArrayList<>();
        for (String s : nonNull(ablate)) {
            String body = stripLayer(s, "--ablate", saeLayer);
            out.add(new EditSpec(Edit.Op.SCALE, checkLatent(parseLatent(body, "--ablate", s), numLatents, "--ablate", s), 0f, -1, s));
        }
        for (String s : nonNull(scale)) out.add(valued(s, "--scale", "F=K", Edit.Op.SCALE, saeLayer, numLatents));
        for (String s : nonNull(clamp)) out.add(valued(s, "--clamp", "F=V", Edit.Op.CLAMP, saeLayer, numLatents));
        for (String s : nonNull(steer)) out.add(valued(s, "--steer", "F=ALPHA", Edit.Op.STEER, saeLayer, numLatents));
        for (String s : nonNull(swap)) {
            String body = stripLayer(s, "--swap", saeLayer);
            FeaturePair p = FeaturePair.parse(body);
            checkLatent(p.a(), numLatents, "--swap", s);
            checkLatent(p.b(), numLatents, "--swap", s);
            out.add(new EditSpec(Edit.Op.SWAP, p.a(), 0f, p.b(), s));
        }
        return out;
    }

    public static List<Edit> toEdits(List<EditSpec> specs, int block) {
        List<Edit> out = new ArrayList<>();
        for (EditSpec s : specs) out.add(s.toEdit(block));
        return out;
    }

    private static EditSpec valued(String s, String option, String form, Edit.Op op, int saeLayer, int numLatents) {
        String body = stripLayer(s, option, saeLayer);
        int eq = body.indexOf('=');
        if (eq < 0 || body.indexOf('=', eq + 1) >= 0) {
            throw new IllegalArgumentException(option + ": expected " + form + " but found '" + s + "'");
        }
        int latent = checkLatent(parseLatent(body.substring(0, eq), option, s), numLatents, option, s);
        float value = parseFinite(body.substring(eq + 1), option, s);
        return new EditSpec(op, latent, value, -1, s);
    }

    /** Removes an {@code @LAYER} suffix after checking that the SAE sits at that layer. */
    static String stripLayer(String s, String option, int saeLayer) {
        int at = s.lastIndexOf('@');
        if (at < 0) return s.trim();
        String layerText = s.substring(at + 1).trim();
        int layer;
        try {
            layer = Integer.parseInt(layerText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": expected an integer layer after '@' but found '" + s + "'");
        }
        if (layer != saeLayer) {
            throw new IllegalArgumentException(option + " '" + s + "': layer " + layer + " has no SAE (the SAE is attached at layer "
                    + saeLayer + ")");
        }
        return s.substring(0, at).trim();
    }

    /** A latent id: a non-negative integer. */
    public static int parseLatent(String text, String option, String whole) {
        try {
            int f = Integer.parseInt(text.trim());
            if (f < 0) throw new NumberFormatException();
            return f;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": expected a latent id (integer >= 0) but found '" + text.trim() + "' in '"
                    + whole + "'");
        }
    }

    /** Checks {@code latent < numLatents}; returns it. */
    public static int checkLatent(int latent, int numLatents, String option, String whole) {
        if (latent >= numLatents) {
            throw new IllegalArgumentException(option + " '" + whole + "': expected a latent in 0.." + (numLatents - 1) + " (the SAE has "
                    + numLatents + " latents) but found latent " + latent);
        }
        return latent;
    }

    /** Public form of the {@code @LAYER} check for other options naming latents (--amplify, --operation). */
    public static String stripLayerSuffix(String s, String option, int saeLayer) {
        return stripLayer(s, option, saeLayer);
    }

    /** A finite number (not NaN, not infinite), e.g. an amplification factor. */
    public static float parseFiniteValue(String text, String option) {
        return parseFinite(text, option, text);
    }

    static float parseFinite(String text, String option, String whole) {
        float v;
        try {
            v = Float.parseFloat(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": expected a number after '=' but found '" + text.trim() + "' in '" + whole + "'");
        }
        if (!Float.isFinite(v)) {
            throw new IllegalArgumentException(option + ": expected a finite number but found '" + text.trim() + "' in '" + whole + "'");
        }
        return v;
    }

    private static List<String> nonNull(List<String> l) {
        return l == null ? List.of() : l;
    }
}
