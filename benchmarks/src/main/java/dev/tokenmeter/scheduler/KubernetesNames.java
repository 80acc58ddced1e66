package dev.tokenmeter.scheduler;

import dev.tokenmeter.InvalidFieldException;
import java.util.regex.Pattern;

/**
 * Kubernetes' rules for names, checked before a manifest is written, so that a bad name is refused here, naming the
 * field, rather than by the API server after {@code kubectl apply}.
 */
final class KubernetesNames {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile(DNS_LABEL + "(\\." + DNS_LABEL + ")*");
    /** A label value or the name part of a qualified name (a label key, a resource name). */
    private static final Pattern NAME_PART = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final int LABEL_MAX = 63;
    private static final int SUBDOMAIN_MAX = 253;

    private KubernetesNames() {
    }

    /** Refuses what is not a DNS-1123 label: a job's or a namespace's name. */
    static String dnsLabel(String field, String value) {
        present(field, value);
        if (value.length() > LABEL_MAX || !DNS_LABEL.matcher(value).matches()) {
            throw new InvalidFieldException(field, "must be a DNS-1123 label (at most " + LABEL_MAX + " lower-case"
                    + " letters, digits and '-', starting and ending with a letter or digit), got \"" + value + "\"");
        }
        return value;
    }

    /** Refuses what is not a DNS-1123 subdomain: a volume claim's name. */
    static String dnsSubdomain(String field, String value) {
        present(field, value);
        if (value.length() > SUBDOMAIN_MAX || !DNS_SUBDOMAIN.matcher(value).matches()) {
            throw new InvalidFieldException(field, "must be a DNS-1123 subdomain (at most " + SUBDOMAIN_MAX
                    + " lower-case letters, digits, '-' and '.', starting and ending with a letter or digit), got \""
                    + value + "\"");
        }
        return value;
    }

    /**
     * Refuses what is not a qualified name, {@code [prefix/]name}: the prefix a DNS subdomain, the name at most 63
     * letters, digits, '-', '_' and '.' between a letter or digit at each end. An extended resource such as a GPU
     * must have the prefix ({@code nvidia.com/gpu}).
     */
    static String qualifiedName(String field, String value, boolean prefixNeeded) {
        present(field, value);
        int slash = value.indexOf('/');
        String prefix = slash < 0 ? null : value.substring(0, slash);
        String name = value.substring(slash + 1);
        boolean good = name.length() <= LABEL_MAX && NAME_PART.matcher(name).matches()
                && (prefix == null ? !prefixNeeded : prefix.length() <= SUBDOMAIN_MAX
                        && DNS_SUBDOMAIN.matcher(prefix).matches());
        if (!good) {
            throw new InvalidFieldException(field, "must be a qualified name, " + (prefixNeeded ? "domain/name"
                    : "[domain/]name") + " (the domain a DNS subdomain; the name at most " + LABEL_MAX + " letters,"
                    + " digits, '-', '_' and '.', starting and ending with a letter or digit), got \"" + value + "\"");
        }
        return value;
    }

    /**
     * Refuses what is not a label value: empty, or at most 63 letters, digits, '-', '_' and '.' between a letter or
     * digit at each end. {@code emptyAllowed} false for an id that must name something.
     */
    static String labelValue(String field, String value, boolean emptyAllowed) {
        if (value == null) {
            throw new InvalidFieldException(field, "is needed");
        }
        if (value.isEmpty() ? !emptyAllowed : value.length() > LABEL_MAX || !NAME_PART.matcher(value).matches()) {
            throw new InvalidFieldException(field, "must be " + (emptyAllowed ? "empty or " : "") + "at most "
                    + LABEL_MAX + " letters, digits, '-', '_' and '.', starting and ending with a letter or digit,"
                    + " got \"" + value + "\"");
        }
        return value;
    }

    private static void present(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw new InvalidFieldException(field, "is needed");
        }
    }
}
