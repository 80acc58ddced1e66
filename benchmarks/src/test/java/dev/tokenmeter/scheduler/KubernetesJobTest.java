package dev.tokenmeter.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tokenmeter.InvalidFieldException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The manifest read into the Kubernetes API's own model (fabric8's), strictly: a field the model does not know fails
 * the test, where the model would otherwise keep it aside as an "additional property", as the API server drops it.
 * The pod's script is run for real by {@code sh}, after Kubernetes' expansion, with a fake tokenmeter
 * ({@link PodShell}).
 */
class KubernetesJobTest {
    /**
     * fabric8's classes take unknown fields through a {@code @JsonAnySetter}; with any-setters switched off, Jackson's
     * FAIL_ON_UNKNOWN_PROPERTIES applies to them. Scalars are not coerced ({@code "2"} is no number) and a key given
     * twice fails.
     */
    static final ObjectMapper STRICT = YAMLMapper.builder()
            .annotationIntrospector(new JacksonAnnotationIntrospector() {
                @Override
                public Boolean hasAnySetter(Annotated a) {
                    return Boolean.FALSE;
                }
            })
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    static final List<String> RUN = List.of("run", "--model", "llama-110m", "--batch", "1,8");

    static Job read(String yaml) throws Exception {
        return STRICT.readValue(yaml, Job.class);
    }

    static Container container(Job job) {
        List<Container> containers = job.getSpec().getTemplate().getSpec().getContainers();
        assertEquals(1, containers.size());
        return containers.get(0);
    }

    @Test
    void theManifestIsAnIndexedJobOfOnePodPerNodeWithAllItsGpus() throws Exception {
        KubernetesJob.Spec spec = KubernetesJob.Spec.of("llama-fleet", "registry.example/tokenmeter:0.1", 4, 8,
                "fleet-results", "fleet-7", RUN).withNamespace("bench").withTimeLimit(Duration.ofMinutes(90))
                .withNodeSelector(Map.of("nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3"));
        String yaml = new KubernetesJob(spec).yaml();
        Job job = read(yaml);

        assertEquals("batch/v1", job.getApiVersion());
        assertEquals("Job", job.getKind());
        assertEquals("llama-fleet", job.getMetadata().getName());
        assertEquals("bench", job.getMetadata().getNamespace());
        JobSpec js = job.getSpec();
        assertEquals("Indexed", js.getCompletionMode());
        assertEquals(4, js.getCompletions());
        assertEquals(4, js.getParallelism());
        // A failed pod is not retried and stops no other: its index fails alone.
        assertEquals(0, js.getBackoffLimitPerIndex());
        assertEquals(null, js.getBackoffLimit());
        assertEquals(null, js.getPodFailurePolicy());
        assertEquals(5400L, js.getActiveDeadlineSeconds());

        PodSpec pod = js.getTemplate().getSpec();
        assertEquals("Never", pod.getRestartPolicy());
        assertEquals(Map.of("nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3"), pod.getNodeSelector());
        Toleration toleration = pod.getTolerations().get(0);
        assertEquals(List.of("nvidia.com/gpu", "Exists", "NoSchedule"), List.of(toleration.getKey(),
                toleration.getOperator(), toleration.getEffect()));

        // At most one of this Job's pods a node: the anti-affinity selects the pods' own labels, per host name.
        List<PodAffinityTerm> apart = pod.getAffinity().getPodAntiAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution();
        assertEquals(1, apart.size());
        assertEquals("kubernetes.io/hostname", apart.get(0).getTopologyKey());
        Map<String, String> podLabels = js.getTemplate().getMetadata().getLabels();
        apart.get(0).getLabelSelector().getMatchLabels().forEach((k, v) -> assertEquals(v, podLabels.get(k), k));
        assertEquals("llama-fleet", podLabels.get("app.kubernetes.io/instance"));

        Container c = container(job);
        assertEquals("registry.example/tokenmeter:0.1", c.getImage());
        assertEquals(Map.of("nvidia.com/gpu", new Quantity("8")), c.getResources().getLimits());
        assertEquals(List.of("/bin/sh", "-c"), c.getCommand().subList(0, 2));
        assertEquals(3, c.getCommand().size());
        assertTrue(c.getArgs() == null || c.getArgs().isEmpty());
        EnvVar node = c.getEnv().get(0);
        assertEquals("NODE_NAME", node.getName());
        assertEquals("spec.nodeName", node.getValueFrom().getFieldRef().getFieldPath());
        assertEquals(1, c.getVolumeMounts().size());
        assertEquals("results", c.getVolumeMounts().get(0).getName());
        assertEquals(KubernetesJob.RESULTS_MOUNT, c.getVolumeMounts().get(0).getMountPath());
        assertEquals("results", pod.getVolumes().get(0).getName());
        assertEquals("fleet-results", pod.getVolumes().get(0).getPersistentVolumeClaim().getClaimName());

        // The script reaches the pod as written: a literal block, read back unchanged (no $ in the arguments).
        assertTrue(yaml.contains("- |-\n"), yaml);
        String script = c.getCommand().get(2);
        assertEquals(new KubernetesJob(spec).script(), script);
        assertTrue(script.contains("TOKENMETER_RANK=$((JOB_COMPLETION_INDEX * 8 + gpu))"), script);
        assertTrue(script.contains("while [ \"$gpu\" -lt 8 ]"), script);
        assertTrue(script.contains("'tokenmeter' fleet rank --results /results/fleet-7 --fleet-id fleet-7 -- run"
                + " --model llama-110m --batch 1,8 &"), script);
    }

    @Test
    void theHeaderSaysHowToApplyAndMerge() {
        String yaml = new KubernetesJob(KubernetesJob.Spec.of("f", "img", 2, 1, "claim", "f1", RUN)
                .withNamespace("gpu")).yaml();
        String header = yaml.substring(0, yaml.indexOf("apiVersion:"));
        assertTrue(header.lines().allMatch(l -> l.startsWith("#")), header);
        assertTrue(header.contains("kubectl apply -f "), header);
        assertTrue(header.contains("kubectl -n gpu cp f-copy:/results/f1 ./f1"), header);
        assertTrue(header.contains("claimName\":\"claim\""), header);
        assertTrue(header.contains("tokenmeter fleet merge ./f1"), header);
        String prose = header.replace("\n# ", " ");
        assertTrue(prose.contains("2 pods") && prose.contains("1 rank,") && prose.contains("(2 ranks;"), prose);
    }

    @Test
    void optionsChangeWhatTheyName() throws Exception {
        KubernetesJob.Spec spec = KubernetesJob.Spec.of("amd", "img", 1, 2, "claim", "f", List.of("serve", "--url",
                "http://h:8000")).withGpuResource("amd.com/gpu").withGpuToleration(false)
                .withExecutable("/opt/tokenmeter/bin/tokenmeter").withRankOptions(List.of("--verbose"));
        Job job = read(new KubernetesJob(spec).yaml());
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertTrue(pod.getTolerations() == null || pod.getTolerations().isEmpty());
        assertTrue(pod.getNodeSelector() == null || pod.getNodeSelector().isEmpty());
        assertNull(job.getMetadata().getNamespace());
        assertNull(job.getSpec().getActiveDeadlineSeconds());
        assertEquals(Map.of("amd.com/gpu", new Quantity("2")), container(job).getResources().getLimits());
        assertEquals(List.of("fleet", "rank", "--results", "/results/f", "--fleet-id", "f", "--verbose", "--", "serve",
                "--url", "http://h:8000"), new KubernetesJob(spec).rankCommand());
        assertTrue(container(job).getCommand().get(2).contains("'/opt/tokenmeter/bin/tokenmeter' fleet rank"));
        assertEquals(2L, spec.withTimeLimit(Duration.ofMillis(1001)).activeDeadlineSeconds());
    }

    /** A name that YAML would read as another type stays a string: every user value is quoted. */
    @Test
    void namesThatLookLikeOtherTypesStayStrings() throws Exception {
        KubernetesJob.Spec spec = KubernetesJob.Spec.of("no", "null", 1, 1, "1e3", "true", RUN).withNamespace("on")
                .withNodeSelector(Map.of("yes", "", "x/off", "0x1F"));
        Job job = read(new KubernetesJob(spec).yaml());
        assertEquals("no", job.getMetadata().getName());
        assertEquals("on", job.getMetadata().getNamespace());
        assertEquals("null", container(job).getImage());
        assertEquals(Map.of("yes", "", "x/off", "0x1F"), job.getSpec().getTemplate().getSpec().getNodeSelector());
        assertEquals("1e3", job.getSpec().getTemplate().getSpec().getVolumes().get(0).getPersistentVolumeClaim()
                .getClaimName());
    }

    /** The reader is strict, so the checks above mean something: a misspelt field fails, as do a string count. */
    @Test
    void aMisspeltFieldFailsTheReading() throws Exception {
        String yaml = new KubernetesJob(KubernetesJob.Spec.of("j", "img", 2, 1, "claim", "f", RUN)).yaml();
        read(yaml);
        assertThrows(UnrecognizedPropertyException.class, () -> read(yaml.replace("restartPolicy:",
                "restartPolicyy:")));
        assertThrows(UnrecognizedPropertyException.class, () -> read(yaml.replace("fieldPath:", "fieldpath:")));
        assertThrows(Exception.class, () -> read(yaml.replace("completions: 2", "completions: \"2\"")));
        assertThrows(Exception.class, () -> read(yaml.replace("parallelism: 2", "parallelism: 2\n  completions: 3")));
    }

    /** Arguments no shell or YAML should alter: quotes, spaces, $ (Kubernetes' too), globs, Unicode, nothing. */
    static final List<String> AWKWARD = List.of("run", "--prompt", "it's a \"test\"", "two  spaces", "$HOME",
            "$(touch pwned)", "`touch pwned`", "$$", "$(NODE_NAME)", "$(JOB_COMPLETION_INDEX)", "$((1+1))", "cost $",
            "\\", "\\'", "*", "~", "", "a;b|c&d>e", "--flag=value", "'", "\"", " lead", "trail ", "tab\there",
            "é ü 漢字 🙂", "#not-a-comment", "line1\n  indented\n\nlast");

    /** Runs pod 1 of a 2-GPU Job with {@code args} and checks that ranks 2 and 3 got them exactly, on GPUs 0 and 1. */
    private static void ranksReceiveExactly(List<String> args, boolean literal, Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "no /bin/sh here");
        KubernetesJob job = new KubernetesJob(KubernetesJob.Spec.of("awkward", "img", 3, 2, "claim", "f-1", args)
                .withRankOptions(List.of("--label", "it's")));
        String yaml = job.yaml();
        assertEquals(literal, yaml.contains("- |-\n"), yaml);
        String command = container(read(yaml)).getCommand().get(2);
        PodShell pod = new PodShell(dir, 1);
        String expanded = PodShell.expand(command, pod.containerEnv());
        assertEquals(job.script(), expanded);
        pod.fakeTokenmeter("exit 0");

        assertEquals(0, PodShell.exitOf(pod.start(expanded)), pod::stderr);
        assertEquals(List.of("rank-2.args", "rank-2.env", "rank-3.args", "rank-3.env"), pod.logFiles());
        assertEquals(List.of("0", "2", PodShell.NODE), pod.env(2));
        assertEquals(List.of("1", "3", PodShell.NODE), pod.env(3));
        List<String> expected = new ArrayList<>(List.of("fleet", "rank", "--results", "/results/f-1", "--fleet-id",
                "f-1", "--label", "it's", "--"));
        expected.addAll(args);
        assertEquals(expected, pod.args(2));
        assertEquals(expected, pod.args(3));
        assertFalse(Files.exists(dir.resolve("pwned")), "a command substitution ran");
    }

    @Test
    void eachGpuRunsItsRankWithTheArgumentsAsGiven(@TempDir Path dir) throws Exception {
        ranksReceiveExactly(AWKWARD, true, dir);
    }

    /** A carriage return (a line break to YAML) puts the script in a double-quoted scalar, escapes and all. */
    @Test
    void argumentsThatNoLiteralBlockHoldsAreEscaped(@TempDir Path dir) throws Exception {
        List<String> args = new ArrayList<>(AWKWARD);
        args.addAll(List.of("cr\r", "nel\u0085", "ls\u2028", "bell\u0007", "bom\uFEFF", "del\u007F"));
        ranksReceiveExactly(args, false, dir);
    }

    /** Every rank is waited for, a failed one fails the pod, and the log says which. */
    @Test
    void aFailedRankFailsThePodAfterAllHaveEnded(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "no /bin/sh here");
        KubernetesJob job = new KubernetesJob(KubernetesJob.Spec.of("j", "img", 2, 2, "claim", "f", RUN));
        PodShell pod = new PodShell(dir, 1);
        pod.fakeTokenmeter("if [ \"$TOKENMETER_RANK\" = 3 ]; then exit 7; fi\nsleep 1\ntouch \"$out.done\"");
        assertEquals(1, PodShell.exitOf(pod.start(job.script())));
        assertTrue(pod.logged("rank-2.done"), "the pod ended before rank 2 did");
        assertTrue(pod.stderr().contains("rank 3 (GPU 1) exited with status 7"), pod::stderr);
    }

    /** A TERM to the pod (its time limit, a deleted Job) reaches every rank, and the pod waits for them to stop. */
    @Test
    void aTermReachesEveryRank(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "no /bin/sh here");
        KubernetesJob job = new KubernetesJob(KubernetesJob.Spec.of("j", "img", 1, 2, "claim", "f", RUN));
        PodShell pod = new PodShell(dir, 0);
        // Rank 0, the first waited for, stops slowly: the pod must wait on for it after its wait was cut short.
        pod.fakeTokenmeter("trap '[ $TOKENMETER_RANK = 0 ] && sleep 1; touch \"$out.stopped\"; exit 3' TERM\n"
                + "touch \"$out.started\"\nwhile :; do sleep 0.1; done");
        Process p = pod.start(job.script());
        pod.awaitLog("rank-0.started");
        pod.awaitLog("rank-1.started");
        p.destroy();
        assertEquals(1, PodShell.exitOf(p));
        assertTrue(pod.logged("rank-0.stopped") && pod.logged("rank-1.stopped"), "the pod ended before its ranks");
        assertTrue(pod.stderr().contains("stopped by a signal"), pod::stderr);
    }

    static Stream<Arguments> badSpecs() {
        Function<KubernetesJob.Spec, KubernetesJob.Spec> same = s -> s;
        return Stream.of(
                bad("name", "Bad_Name", "image", 1, 1, "claim", "f", RUN, same),
                bad("name", "a".repeat(64), "image", 1, 1, "claim", "f", RUN, same),
                bad("name", "-lead", "image", 1, 1, "claim", "f", RUN, same),
                bad("name", null, "image", 1, 1, "claim", "f", RUN, same),
                bad("image", "j", "", 1, 1, "claim", "f", RUN, same),
                bad("image", "j", "my image", 1, 1, "claim", "f", RUN, same),
                bad("nodes", "j", "image", 0, 1, "claim", "f", RUN, same),
                bad("nodes", "j", "image", 100_001, 1, "claim", "f", RUN, same),
                bad("gpusPerNode", "j", "image", 1, 0, "claim", "f", RUN, same),
                bad("resultsClaim", "j", "image", 1, 1, "Claim", "f", RUN, same),
                bad("resultsClaim", "j", "image", 1, 1, null, "f", RUN, same),
                bad("fleetId", "j", "image", 1, 1, "claim", "../up", RUN, same),
                bad("fleetId", "j", "image", 1, 1, "claim", "", RUN, same),
                bad("rankArgs", "j", "image", 1, 1, "claim", "f", List.of(), same),
                bad("rankArgs", "j", "image", 1, 1, "claim", "f", List.of("--model", "x"), same),
                bad("rankArgs", "j", "image", 1, 1, "claim", "f", List.of("run", "a\0b"), same),
                bad("rankArgs", "j", "image", 1, 1, "claim", "f", null, same),
                bad("namespace", "j", "image", 1, 1, "claim", "f", RUN, s -> s.withNamespace("Kube_System")),
                bad("executable", "j", "image", 1, 1, "claim", "f", RUN, s -> s.withExecutable("")),
                bad("executable", "j", "image", 1, 1, "claim", "f", RUN, s -> s.withExecutable("tm\nrm")),
                bad("gpuResource", "j", "image", 1, 1, "claim", "f", RUN, s -> s.withGpuResource("gpu")),
                bad("gpuResource", "j", "image", 1, 1, "claim", "f", RUN, s -> s.withGpuResource("nvidia.com/")),
                bad("rankOptions", "j", "image", 1, 1, "claim", "f", RUN, s -> s.withRankOptions(List.of("--"))),
                bad("rankOptions", "j", "image", 1, 1, "claim", "f", RUN,
                        s -> s.withRankOptions(List.of("--results=/elsewhere"))),
                bad("nodeSelector", "j", "image", 1, 1, "claim", "f", RUN,
                        s -> s.withNodeSelector(Map.of("zone", "a b"))),
                bad("nodeSelector", "j", "image", 1, 1, "claim", "f", RUN,
                        s -> s.withNodeSelector(Map.of("bad key", "a"))),
                bad("nodeSelector", "j", "image", 1, 1, "claim", "f", RUN, s -> s.withNodeSelector(null)),
                bad("timeLimit", "j", "image", 1, 1, "claim", "f", RUN, s -> s.withTimeLimit(Duration.ofMillis(999))),
                bad("timeLimit", "j", "image", 1, 1, "claim", "f", RUN,
                        s -> s.withTimeLimit(Duration.ofSeconds(-5))));
    }

    private static Arguments bad(String field, String name, String image, int nodes, int gpus, String claim,
            String fleetId, List<String> rankArgs, Function<KubernetesJob.Spec, KubernetesJob.Spec> change) {
        return Arguments.of(field, (Runnable) () -> change.apply(KubernetesJob.Spec.of(name, image, nodes, gpus, claim,
                fleetId, rankArgs)));
    }

    @ParameterizedTest(name = "{0} #{index}")
    @MethodSource("badSpecs")
    void aBadSpecIsRefusedNamingTheField(String field, Runnable make) {
        InvalidFieldException e = assertThrows(InvalidFieldException.class, make::run);
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(field + " "), e.getMessage());
    }

    @Test
    void theSpecIsImmutable() {
        List<String> args = new ArrayList<>(RUN);
        Map<String, String> selector = new HashMap<>(Map.of("b", "2", "a", "1"));
        KubernetesJob.Spec spec = KubernetesJob.Spec.of("j", "img", 1, 1, "claim", "f", args)
                .withNodeSelector(selector);
        args.add("--more");
        selector.put("c", "3");
        assertEquals(RUN, spec.rankArgs());
        assertEquals(List.of("a", "b"), List.copyOf(spec.nodeSelector().keySet()));
        assertThrows(UnsupportedOperationException.class, () -> spec.rankArgs().add("x"));
        assertThrows(UnsupportedOperationException.class, () -> spec.nodeSelector().put("x", "y"));
        assertEquals(8, KubernetesJob.Spec.of("j", "img", 2, 4, "claim", "f", RUN).ranks());
        assertNotEquals(spec, spec.withGpuToleration(false));
        assertFalse(spec.withGpuToleration(false).tolerateGpuTaint());
    }
}
