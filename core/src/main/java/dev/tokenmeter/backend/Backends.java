package dev.tokenmeter.backend;

import dev.tokenmeter.InvalidFieldException;
import dev.tokenmeter.TokenmeterException;
import dev.tokenmeter.model.ModelConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds backends through {@link ServiceLoader} and picks one: by name, or "auto". */
public final class Backends {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);
    public static final String AUTO = "auto";

    private Backends() {
    }

    /**
     * The host threads to use when {@code asked} for: 0 means every core. More threads than the cores present are
     * refused (an {@link InvalidFieldException} naming {@code threads}) rather than capped: they would share
     * cores, so that each thread's timings and the ceilings measured with them describe the time slicing, not the
     * machine (1000 threads on 2 cores once reported 37.7 TFLOP/s), and a capped run would not be the run asked
     * for, nor the one its result records.
     */
    public static int hostThreads(int asked) {
        int cores = Runtime.getRuntime().availableProcessors();
        InvalidFieldException.atLeastZero("threads", asked, "every core");
        if (asked > cores) {
            throw new InvalidFieldException("threads", "must be at most the " + cores + " core" + (cores == 1 ? ""
                    : "s") + " this machine has (0 = every core), got " + asked + ": more workers than cores share"
                    + " them, and the timings would measure the sharing");
        }
        return asked == 0 ? cores : asked;
    }

    /** Every provider on the class path, highest auto priority first. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> list = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()).forEach(list::add);
        list.sort(Comparator.comparingInt(BackendProvider::autoPriority).reversed()
                .thenComparing(BackendProvider::name));
        return list;
    }

    /** Names of the providers found, for messages. */
    public static List<String> names() {
        return names(providers());
    }

    private static List<String> names(List<BackendProvider> providers) {
        List<String> names = new ArrayList<>();
        for (BackendProvider p : providers) {
            names.add(p.name());
        }
        return names;
    }

    /** {@link #select(String, ModelConfig)} without a model: "auto" takes the usable provider of highest priority. */
    public static BackendProvider select(String name) {
        return select(name, null);
    }

    /**
     * The provider called {@code name}, or for "auto" the usable one of highest priority that runs {@code model}
     * (a GPU if usable and the model is one its engine takes, else the CPU), logging one line on why. An unknown
     * name is refused with the known ones; a known but unusable one with its reason. A provider named explicitly
     * is returned even when it does not run the model: loading it then refuses the model with the reason.
     *
     * @param model the model to be run, or null to choose on availability alone
     */
    public static BackendProvider select(String name, ModelConfig model) {
        return select(providers(), name, model);
    }

    /** {@link #select(String, ModelConfig)} among {@code all}, sorted by priority. */
    static BackendProvider select(List<BackendProvider> all, String name, ModelConfig model) {
        String wanted = name == null ? AUTO : name.trim().toLowerCase(Locale.ROOT);
        if (wanted.equals(AUTO)) {
            StringBuilder skipped = new StringBuilder();
            for (BackendProvider p : all) {
                Availability a = p.availability();
                String refused = a.usable() && model != null ? p.unsupported(model) : null;
                if (a.usable() && refused == null) {
                    if (skipped.length() > 0) {
                        LOG.info("backend auto: using {} ({}); {}", p.name(), a.reason(), skipped);
                    } else {
                        LOG.info("backend auto: using {} ({})", p.name(), a.reason());
                    }
                    return p;
                }
                skipped.append(skipped.length() == 0 ? "" : "; ").append(p.name())
                        .append(a.usable() ? " does not run this model: " + refused : " not usable: " + a.reason());
            }
            throw new TokenmeterException("no usable backend: " + skipped);
        }
        for (BackendProvider p : all) {
            if (p.name().equals(wanted)) {
                Availability a = p.availability();
                if (!a.usable()) {
                    throw new TokenmeterException("backend " + p.name() + " is not usable here: " + a.reason());
                }
                return p;
            }
        }
        throw new IllegalArgumentException("unknown backend '" + name + "'; known: auto, "
                + String.join(", ", names(all)));
    }
}
