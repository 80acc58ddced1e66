package dev.tokenmeter.backend;

import dev.tokenmeter.TokenmeterException;
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
        List<String> names = new ArrayList<>();
        for (BackendProvider p : providers()) {
            names.add(p.name());
        }
        return names;
    }

    /**
     * The provider called {@code name}, or for "auto" the usable one of highest priority (a GPU if usable, else
     * the CPU), logging one line on why. An unknown name is refused with the known ones; a known but unusable
     * one with its reason.
     */
    public static BackendProvider select(String name) {
        String wanted = name == null ? AUTO : name.trim().toLowerCase(Locale.ROOT);
        List<BackendProvider> all = providers();
        if (wanted.equals(AUTO)) {
            StringBuilder skipped = new StringBuilder();
            for (BackendProvider p : all) {
                Availability a = p.availability();
                if (a.usable()) {
                    if (skipped.length() > 0) {
                        LOG.info("backend auto: using {} ({}); {}", p.name(), a.reason(), skipped);
                    } else {
                        LOG.info("backend auto: using {} ({})", p.name(), a.reason());
                    }
                    return p;
                }
                skipped.append(skipped.length() == 0 ? "" : "; ").append(p.name()).append(" not usable: ")
                        .append(a.reason());
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
                + String.join(", ", names()));
    }
}
