package dev.tokenmeter.scheduler;

import dev.tokenmeter.InvalidFieldException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * A fleet benchmark as a Kubernetes Indexed Job, for clusters without Slurm: one pod per GPU node, each running one
 * {@code tokenmeter fleet rank} per GPU, all writing their rank files into one shared volume, to be merged afterwards
 * with {@code tokenmeter fleet merge}. Only the manifest is made here ({@link #yaml()}); the user applies it.
 *
 * <p>Pod {@code k} of the Job (its {@code JOB_COMPLETION_INDEX}) runs ranks {@code k*G .. k*G+G-1} for {@code G}
 * GPUs per node, rank {@code k*G+i} on GPU {@code i} ({@code CUDA_VISIBLE_DEVICES=i}), with the node's name from the
 * downward API. A failed rank fails the Job and is never retried: a second try would write the same rank twice.
 */
public final class KubernetesJob {
    /** Where each pod mounts the results volume; a fleet's ranks write into {@code RESULTS_MOUNT/<fleet id>}. */
    public static final String RESULTS_MOUNT = "/results";
    /** The name of the pod's one container, which the pod failure policy refers to. */
    public static final String CONTAINER = "rank";

    private final Spec spec;

    /** The Job that {@code spec} describes. */
    public KubernetesJob(Spec spec) {
        this.spec = Objects.requireNonNull(spec, "spec");
    }

    /** What the Job runs, and where. */
    public Spec spec() {
        return spec;
    }

    /** The folder, inside each pod, that this fleet's ranks write into. */
    public String resultsFolder() {
        return RESULTS_MOUNT + "/" + spec.fleetId();
    }

    /**
     * The rank command after its executable: {@code fleet rank --results DIR --fleet-id ID [rank options] --} and the
     * rank arguments, as the process receives them.
     */
    public List<String> rankCommand() {
        List<String> words = new ArrayList<>(List.of("fleet", "rank", "--results", resultsFolder(), "--fleet-id",
                spec.fleetId()));
        words.addAll(spec.rankOptions());
        words.add("--");
        words.addAll(spec.rankArgs());
        return List.copyOf(words);
    }

    /**
     * The pod's {@code /bin/sh -c} script as the shell receives it. It needs {@code JOB_COMPLETION_INDEX} (set by the
     * Indexed Job) and {@code NODE_NAME}; it starts the pod's ranks in the background, passes a TERM (the time limit,
     * a deleted Job) on to them, waits for every one and exits with 1 if any failed.
     */
    public String script() {
        return script(UnaryOperator.identity());
    }

    /**
     * The manifest, one {@code batch/v1} Job, as YAML, headed by comments that say how to apply it and how to merge
     * the ranks' files afterwards. The pod's command is {@link #script()} with each {@code $} of the rank command
     * written {@code $$}, which Kubernetes' expansion of {@code $(VAR)} in a command turns back into one.
     */
    public String yaml() {
        return JobManifest.render(this, script(KubernetesJob::escapeExpansion));
    }

    /** Whether the rank command holds a {@code $}, which the manifest writes {@code $$} (see {@link #yaml()}). */
    boolean escapesDollars() {
        return String.join("", rankCommand()).indexOf('$') >= 0 || spec.executable().indexOf('$') >= 0;
    }

    /**
     * Kubernetes replaces {@code $(VAR)} in a container's command with the variable's value and {@code $$} with
     * {@code $}; doubling every {@code $} of a text undoes that exactly. Applied to the user's words only: the script's
     * own text has no {@code $$} and no {@code $(NAME)}, so Kubernetes leaves it as it is.
     */
    private static String escapeExpansion(String text) {
        return text.replace("$", "$$");
    }

    private String script(UnaryOperator<String> userText) {
        int g = spec.gpusPerNode();
        String rank = "$((JOB_COMPLETION_INDEX * " + g + " + gpu))";
        String command = userText.apply(ShellWords.alwaysQuoted(spec.executable()) + " "
                + ShellWords.join(rankCommand()));
        return String.join("\n",
                "# One tokenmeter rank per GPU of this pod: rank = JOB_COMPLETION_INDEX * " + g + " + GPU.",
                ": \"${JOB_COMPLETION_INDEX:?is set by an Indexed Job}\" \"${NODE_NAME:?is set from spec.nodeName}\"",
                "pids=",
                "stopping=",
                "# A TERM (the time limit, a deleted Job) goes on to every rank, so that each can stop cleanly.",
                "trap 'stopping=1; kill -TERM $pids 2>/dev/null' TERM INT",
                "gpu=0",
                "while [ \"$gpu\" -lt " + g + " ] && [ -z \"$stopping\" ]; do",
                "  CUDA_VISIBLE_DEVICES=$gpu TOKENMETER_RANK=" + rank + " TOKENMETER_NODE=$NODE_NAME \\",
                "    " + command + " &",
                "  pids=\"$pids $!\"",
                "  gpu=$((gpu + 1))",
                "done",
                "status=0",
                "gpu=0",
                "for pid in $pids; do",
                "  # A trapped TERM ends wait early (status > 128) while the rank is still stopping: wait again.",
                "  while wait \"$pid\"; code=$?; [ \"$code\" -gt 128 ] && kill -0 \"$pid\" 2>/dev/null; do :; done",
                "  if [ \"$code\" -ne 0 ]; then",
                "    echo \"tokenmeter fleet: rank " + rank + " (GPU $gpu) exited with status $code\" >&2",
                "    status=1",
                "  fi",
                "  gpu=$((gpu + 1))",
                "done",
                "if [ -n \"$stopping\" ]; then",
                "  echo \"tokenmeter fleet: stopped by a signal\" >&2",
                "  status=1",
                "fi",
                "exit $status");
    }

    /**
     * What a fleet Job runs and where; every field checked here, so that a bad one is refused naming it
     * ({@link InvalidFieldException}) before any YAML is written. {@link #of} fills in the defaults; the
     * {@code with...} methods change one field.
     *
     * @param name             the Job's name, a DNS-1123 label
     * @param namespace        the Job's namespace, a DNS-1123 label, or null for the one kubectl uses
     * @param image            the container image, which holds the tokenmeter bundle
     * @param executable       the tokenmeter command inside the image ({@value #DEFAULT_EXECUTABLE} by default)
     * @param nodes            pods, one per node, {@code >= 1}
     * @param gpusPerNode      GPUs (and so ranks) per pod, {@code >= 1}
     * @param gpuResource      the GPU's extended resource ({@value #DEFAULT_GPU_RESOURCE} by default)
     * @param resultsClaim     the PersistentVolumeClaim that all pods share for their results (ReadWriteMany)
     * @param fleetId          the fleet's id, which also names its folder in the volume
     * @param rankOptions      options of {@code tokenmeter fleet rank} itself, placed before {@code --}
     * @param rankArgs         what each rank runs: {@code run} or {@code serve} and its options
     * @param nodeSelector     node labels a pod's node must have (empty for none), kept in key order
     * @param tolerateGpuTaint whether pods tolerate the taint {@code gpuResource:NoSchedule} of GPU nodes
     * @param timeLimit        the Job's active deadline (whole seconds, rounded up), or null for none
     */
    public record Spec(String name, String namespace, String image, String executable, int nodes, int gpusPerNode,
            String gpuResource, String resultsClaim, String fleetId, List<String> rankOptions, List<String> rankArgs,
            Map<String, String> nodeSelector, boolean tolerateGpuTaint, Duration timeLimit) {
        /** The tokenmeter command where the image does not say otherwise. */
        public static final String DEFAULT_EXECUTABLE = "tokenmeter";
        /** NVIDIA's device plugin's resource. */
        public static final String DEFAULT_GPU_RESOURCE = "nvidia.com/gpu";
        /** The most pods: Kubernetes' limit on an Indexed Job's completions. */
        public static final int MAX_NODES = 100_000;
        /** The most GPUs per pod, more than any node has. */
        public static final int MAX_GPUS_PER_NODE = 256;

        /** Checks every field; copies the lists and the map. */
        public Spec {
            KubernetesNames.dnsLabel("name", name);
            if (namespace != null) {
                KubernetesNames.dnsLabel("namespace", namespace);
            }
            if (image == null || image.isEmpty() || !image.codePoints().allMatch(c -> c > ' ' && c != 0x7F)) {
                throw new InvalidFieldException("image", "must be an image reference without spaces, got "
                        + (image == null ? "none" : "\"" + image + "\""));
            }
            if (executable == null || executable.isEmpty() || executable.codePoints().anyMatch(c -> c < ' ')) {
                throw new InvalidFieldException("executable", "must be a command without control characters, got "
                        + (executable == null ? "none" : "\"" + executable + "\""));
            }
            if (nodes < 1 || nodes > MAX_NODES) {
                throw new InvalidFieldException("nodes", "must be 1 to " + MAX_NODES + ", got " + nodes);
            }
            if (gpusPerNode < 1 || gpusPerNode > MAX_GPUS_PER_NODE) {
                throw new InvalidFieldException("gpusPerNode", "must be 1 to " + MAX_GPUS_PER_NODE + ", got "
                        + gpusPerNode);
            }
            KubernetesNames.qualifiedName("gpuResource", gpuResource, true);
            KubernetesNames.dnsSubdomain("resultsClaim", resultsClaim);
            KubernetesNames.labelValue("fleetId", fleetId, false);
            rankOptions = arguments("rankOptions", rankOptions);
            for (String option : rankOptions) {
                if (option.equals("--") || option.equals("--results") || option.startsWith("--results=")
                        || option.equals("--fleet-id") || option.startsWith("--fleet-id=")) {
                    throw new InvalidFieldException("rankOptions", "must not hold \"" + option + "\": the Job sets"
                            + " --results and --fleet-id, and puts the -- before the rank arguments itself");
                }
            }
            rankArgs = arguments("rankArgs", rankArgs);
            if (rankArgs.isEmpty() || !(rankArgs.get(0).equals("run") || rankArgs.get(0).equals("serve"))) {
                throw new InvalidFieldException("rankArgs", "must start with run or serve (what each rank measures),"
                        + " got " + rankArgs);
            }
            if (nodeSelector == null) {
                throw new InvalidFieldException("nodeSelector", "is needed (empty for none)");
            }
            for (Map.Entry<String, String> label : nodeSelector.entrySet()) {
                KubernetesNames.qualifiedName("nodeSelector", label.getKey(), false);
                KubernetesNames.labelValue("nodeSelector", label.getValue(), true);
            }
            nodeSelector = Collections.unmodifiableSortedMap(new TreeMap<>(nodeSelector));
            if (timeLimit != null && timeLimit.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new InvalidFieldException("timeLimit", "must be at least 1 s (or none), got " + timeLimit);
            }
        }

        /**
         * A spec with the defaults: the default namespace, executable and GPU resource, no rank options, no node
         * selector, the GPU taint tolerated, no time limit.
         */
        public static Spec of(String name, String image, int nodes, int gpusPerNode, String resultsClaim,
                String fleetId, List<String> rankArgs) {
            return new Spec(name, null, image, DEFAULT_EXECUTABLE, nodes, gpusPerNode, DEFAULT_GPU_RESOURCE,
                    resultsClaim, fleetId, List.of(), rankArgs, new TreeMap<>(), true, null);
        }

        /** Ranks in the whole fleet: {@code nodes * gpusPerNode}. */
        public int ranks() {
            return nodes * gpusPerNode;
        }

        /** The deadline in whole seconds (rounded up), or null for none. */
        public Long activeDeadlineSeconds() {
            if (timeLimit == null) {
                return null;
            }
            long seconds = timeLimit.getSeconds();
            return timeLimit.getNano() > 0 ? seconds + 1 : seconds;
        }

        /** This spec in {@code namespace} (null for kubectl's). */
        public Spec withNamespace(String namespace) {
            return new Spec(name, namespace, image, executable, nodes, gpusPerNode, gpuResource, resultsClaim,
                    fleetId, rankOptions, rankArgs, nodeSelector, tolerateGpuTaint, timeLimit);
        }

        /** This spec with the image's tokenmeter command at {@code executable}. */
        public Spec withExecutable(String executable) {
            return new Spec(name, namespace, image, executable, nodes, gpusPerNode, gpuResource, resultsClaim,
                    fleetId, rankOptions, rankArgs, nodeSelector, tolerateGpuTaint, timeLimit);
        }

        /** This spec asking for GPUs as {@code gpuResource} ({@code amd.com/gpu}). */
        public Spec withGpuResource(String gpuResource) {
            return new Spec(name, namespace, image, executable, nodes, gpusPerNode, gpuResource, resultsClaim,
                    fleetId, rankOptions, rankArgs, nodeSelector, tolerateGpuTaint, timeLimit);
        }

        /** This spec giving each rank {@code rankOptions}, before the {@code --}. */
        public Spec withRankOptions(List<String> rankOptions) {
            return new Spec(name, namespace, image, executable, nodes, gpusPerNode, gpuResource, resultsClaim,
                    fleetId, rankOptions, rankArgs, nodeSelector, tolerateGpuTaint, timeLimit);
        }

        /** This spec placing pods only on nodes with all of {@code nodeSelector}'s labels. */
        public Spec withNodeSelector(Map<String, String> nodeSelector) {
            return new Spec(name, namespace, image, executable, nodes, gpusPerNode, gpuResource, resultsClaim,
                    fleetId, rankOptions, rankArgs, nodeSelector, tolerateGpuTaint, timeLimit);
        }

        /** This spec with the GPU nodes' {@code NoSchedule} taint tolerated or not. */
        public Spec withGpuToleration(boolean tolerateGpuTaint) {
            return new Spec(name, namespace, image, executable, nodes, gpusPerNode, gpuResource, resultsClaim,
                    fleetId, rankOptions, rankArgs, nodeSelector, tolerateGpuTaint, timeLimit);
        }

        /** This spec stopped by Kubernetes after {@code timeLimit} (null for never). */
        public Spec withTimeLimit(Duration timeLimit) {
            return new Spec(name, namespace, image, executable, nodes, gpusPerNode, gpuResource, resultsClaim,
                    fleetId, rankOptions, rankArgs, nodeSelector, tolerateGpuTaint, timeLimit);
        }

        /** A process's arguments: no null and no NUL, which no argument can hold. */
        private static List<String> arguments(String field, List<String> words) {
            if (words == null) {
                throw new InvalidFieldException(field, "is needed (empty for none)");
            }
            for (String word : words) {
                if (word == null || word.indexOf('\0') >= 0) {
                    throw new InvalidFieldException(field, "must not hold " + (word == null ? "a null" : "a NUL"
                            + " character (in \"" + word.replace("\0", "\\0") + "\")"));
                }
            }
            return List.copyOf(words);
        }
    }
}
