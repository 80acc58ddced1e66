package dev.tokenmeter.scheduler;

import static dev.tokenmeter.scheduler.YamlScalars.quoted;

import java.util.Map;

/**
 * The YAML of a {@link KubernetesJob}, written line by line: the fields are few and fixed, and text written here keeps
 * the manifest's order and comments as a person would lay them out. User values are double-quoted scalars.
 */
final class JobManifest {
    /** The labels that the pods carry and that keep two of one Job off the same node. */
    private static final String NAME_LABEL = "app.kubernetes.io/name";
    private static final String INSTANCE_LABEL = "app.kubernetes.io/instance";
    private static final String VOLUME = "results";
    /** The header's lines of prose, in characters. */
    private static final int WIDTH = 100;

    private final StringBuilder out = new StringBuilder(4096);

    private JobManifest() {
    }

    /** The manifest of {@code job}, whose pod runs {@code script} (already escaped for Kubernetes' expansion). */
    static String render(KubernetesJob job, String script) {
        JobManifest m = new JobManifest();
        m.header(job);
        m.job(job, script);
        return m.out.toString();
    }

    private void header(KubernetesJob job) {
        KubernetesJob.Spec s = job.spec();
        String ns = s.namespace() == null ? "" : " -n " + s.namespace();
        String folder = job.resultsFolder();
        prose("tokenmeter fleet \"" + s.fleetId() + "\" as a Kubernetes Indexed Job: " + s.nodes() + " pod"
                + plural(s.nodes()) + ", at most one per node, each running " + s.gpusPerNode() + " rank"
                + plural(s.gpusPerNode()) + ", one per GPU (" + s.ranks() + " rank" + plural(s.ranks())
                + "; rank = JOB_COMPLETION_INDEX * " + s.gpusPerNode() + " + GPU). Written by tokenmeter; nothing"
                + " has been sent to a cluster.");
        comment("");
        prose("Run it, and wait for it to end (a pod whose rank failed fails its own index only, the others go"
                + " on, and the Job then ends Failed: wait for condition=failed too, or watch kubectl" + ns
                + " get job " + s.name() + "):");
        comment("  kubectl apply -f THIS-FILE.yaml");
        comment("  kubectl" + ns + " wait --for=condition=complete --timeout=24h job/" + s.name());
        prose("Every rank writes its file into the volume claim \"" + s.resultsClaim() + "\", which must be"
                + " ReadWriteMany (pods on several nodes write to it at once), at " + folder + " in the pods. A"
                + " failed rank is not retried: a second try would write the same rank twice. Afterwards copy the"
                + " folder out through a pod that mounts the claim (the Job's own pods have exited), e.g.:");
        String copier = s.name().length() > 58 ? "tm-copy" : s.name() + "-copy";
        comment("  kubectl" + ns + " run " + copier + " --image=busybox --restart=Never --overrides='{\"spec\":"
                + "{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\",\"command\":[\"sleep\",\"3600\"],"
                + "\"volumeMounts\":[{\"name\":\"r\",\"mountPath\":\"" + KubernetesJob.RESULTS_MOUNT + "\"}]}],"
                + "\"volumes\":[{\"name\":\"r\",\"persistentVolumeClaim\":{\"claimName\":\"" + s.resultsClaim()
                + "\"}}]}}'");
        comment("  kubectl" + ns + " wait --for=condition=ready pod/" + copier);
        comment("  kubectl" + ns + " cp " + copier + ":" + folder + " ./" + s.fleetId());
        comment("  kubectl" + ns + " delete pod " + copier);
        prose("and merge the ranks' files into one result:");
        comment("  tokenmeter fleet merge ./" + s.fleetId());
        if (job.escapesDollars()) {
            comment("");
            prose("Kubernetes replaces $(VAR) in a container's command with the variable's value, and $$ with $:"
                    + " each $ of the rank command is written $$ below, so that tokenmeter receives it as given.");
        }
    }

    private void job(KubernetesJob job, String script) {
        KubernetesJob.Spec s = job.spec();
        line(0, "apiVersion: batch/v1");
        line(0, "kind: Job");
        line(0, "metadata:");
        line(2, "name: " + quoted(s.name()));
        if (s.namespace() != null) {
            line(2, "namespace: " + quoted(s.namespace()));
        }
        line(2, "labels:");
        labels(4, s);
        line(0, "spec:");
        line(2, "completionMode: Indexed");
        line(2, "completions: " + s.nodes());
        line(2, "parallelism: " + s.nodes());
        line(2, "# No retry (a rank run twice would write its result twice), and a failed pod stops no other: each");
        line(2, "# index fails alone (Kubernetes 1.29 or newer), and the Job ends Failed if any did.");
        line(2, "backoffLimitPerIndex: 0");
        if (s.activeDeadlineSeconds() != null) {
            line(2, "activeDeadlineSeconds: " + s.activeDeadlineSeconds());
        }
        line(2, "template:");
        line(4, "metadata:");
        line(6, "labels:");
        labels(8, s);
        line(4, "spec:");
        line(6, "restartPolicy: Never");
        podPlacement(s);
        container(s, script);
        line(6, "volumes:");
        line(8, "- name: " + VOLUME);
        line(10, "persistentVolumeClaim:");
        line(12, "claimName: " + quoted(s.resultsClaim()));
    }

    private void labels(int indent, KubernetesJob.Spec s) {
        line(indent, NAME_LABEL + ": tokenmeter");
        line(indent, INSTANCE_LABEL + ": " + quoted(s.name()));
        line(indent, "app.kubernetes.io/component: fleet-rank");
    }

    /** One pod per node (each takes all the GPUs it asks for), on the nodes asked for, through the GPU taint. */
    private void podPlacement(KubernetesJob.Spec s) {
        line(6, "affinity:");
        line(8, "podAntiAffinity:");
        line(10, "requiredDuringSchedulingIgnoredDuringExecution:");
        line(12, "- labelSelector:");
        line(16, "matchLabels:");
        line(18, NAME_LABEL + ": tokenmeter");
        line(18, INSTANCE_LABEL + ": " + quoted(s.name()));
        line(14, "topologyKey: kubernetes.io/hostname");
        if (!s.nodeSelector().isEmpty()) {
            line(6, "nodeSelector:");
            for (Map.Entry<String, String> label : s.nodeSelector().entrySet()) {
                line(8, quoted(label.getKey()) + ": " + quoted(label.getValue()));
            }
        }
        if (s.tolerateGpuTaint()) {
            line(6, "tolerations:");
            line(8, "- key: " + quoted(s.gpuResource()));
            line(10, "operator: Exists");
            line(10, "effect: NoSchedule");
        }
    }

    private void container(KubernetesJob.Spec s, String script) {
        line(6, "containers:");
        line(8, "- name: " + KubernetesJob.CONTAINER);
        line(10, "image: " + quoted(s.image()));
        line(10, "command:");
        line(12, "- /bin/sh");
        line(12, "- -c");
        if (YamlScalars.literalSafe(script)) {
            indent(12);
            out.append("-");
            YamlScalars.appendLiteral(out, script, " ".repeat(14));
        } else {
            line(12, "- " + quoted(script));
        }
        line(10, "env:");
        line(12, "- name: NODE_NAME");
        line(14, "valueFrom:");
        line(16, "fieldRef:");
        line(18, "fieldPath: spec.nodeName");
        line(10, "resources:");
        line(12, "limits:");
        line(14, quoted(s.gpuResource()) + ": " + s.gpusPerNode());
        line(10, "volumeMounts:");
        line(12, "- name: " + VOLUME);
        line(14, "mountPath: " + KubernetesJob.RESULTS_MOUNT);
    }

    /** A comment paragraph, broken into lines of at most {@value #WIDTH} characters between words. */
    private void prose(String text) {
        StringBuilder line = new StringBuilder("#");
        for (String word : text.split(" ")) {
            if (line.length() > 1 && line.length() + 1 + word.length() > WIDTH) {
                out.append(line).append('\n');
                line.setLength(1);
            }
            line.append(' ').append(word);
        }
        out.append(line).append('\n');
    }

    private void comment(String text) {
        out.append(text.isEmpty() ? "#" : "# " + text).append('\n');
    }

    private void line(int indent, String text) {
        indent(indent);
        out.append(text).append('\n');
    }

    private void indent(int spaces) {
        out.append(" ".repeat(spaces));
    }

    private static String plural(int count) {
        return count == 1 ? "" : "s";
    }
}
