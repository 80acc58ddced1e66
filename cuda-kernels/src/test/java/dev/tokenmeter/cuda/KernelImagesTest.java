package dev.tokenmeter.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The committed kernel images, checked without nvcc or a GPU: one image per .cu, each a well-formed fatbin with the
 * targets build.sh names, holding every kernel {@link CudaKernels} declares, and built from the sources as they are
 * now (a .cu changed without its image being rebuilt fails here, on every CI machine).
 */
class KernelImagesTest {
    private static final Path SOURCES = Path.of("src", "main", "cuda");
    /** The machine-code targets build.sh compiles for; PTX is compute_80. */
    private static final List<String> SASS_TARGETS = List.of("sm_80", "sm_89", "sm_90a");

    private static byte[] resource(String name) {
        try (InputStream in = CudaKernels.class.getResourceAsStream(CudaKernels.RESOURCE_FOLDER + name)) {
            assertNotNull(in, CudaKernels.RESOURCE_FOLDER + name + " is missing: run src/main/cuda/build.sh");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Properties buildRecord(CudaKernels.Image image) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(new String(resource(image.baseName() + ".build.txt"), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void oneImagePerSourceFile() throws IOException {
        Set<String> sources;
        try (Stream<Path> files = Files.list(SOURCES)) {
            sources = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".cu"))
                    .map(n -> n.substring(0, n.length() - 3)).collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> images = Arrays.stream(CudaKernels.Image.values()).map(CudaKernels.Image::baseName)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(sources, images, "each src/main/cuda/<name>.cu needs a CudaKernels.Image, and back");
    }

    @ParameterizedTest
    @EnumSource(CudaKernels.Image.class)
    void theImageIsAFatbinWithEveryTarget(CudaKernels.Image image) {
        byte[] bytes = image.bytes();
        assertTrue(bytes.length > 16, image.resource() + " is empty");
        assertEquals(0xBA55ED50, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(0),
                "fatbin magic (little-endian) at offset 0");
        FatbinImage fatbin = FatbinImage.parse(bytes);
        assertEquals(1, fatbin.version());
        List<String> found = new ArrayList<>();
        for (FatbinImage.Entry e : fatbin.entries()) {
            found.add((e.kind() == FatbinImage.PTX ? "ptx " : e.kind() == FatbinImage.ELF ? "elf " : "kind"
                    + e.kind() + " ") + e.arch());
        }
        assertEquals(List.of("ptx 80", "elf 80", "elf 89", "elf 90"), found, "entries of " + image.resource());
    }

    @ParameterizedTest
    @EnumSource(CudaKernels.Image.class)
    void everyDeclaredKernelIsInEveryTarget(CudaKernels.Image image) {
        FatbinImage fatbin = FatbinImage.parse(image.bytes());
        for (FatbinImage.Entry e : fatbin.entries()) {
            String text = e.text();
            if (e.kind() == FatbinImage.ELF) {
                assertTrue(text.startsWith("\u007fELF"), "cubin for " + e.arch() + " is not an ELF");
            }
            for (CudaKernels.Kernel k : image.kernels()) {
                String symbol = e.kind() == FatbinImage.PTX ? ".entry " + k.symbol() + "(" : "\0" + k.symbol() + "\0";
                assertTrue(text.contains(symbol), k.symbol() + " missing from the " + e.arch() + " entry of "
                        + image.resource());
            }
        }
        // And nothing the Java side does not know of: every entry ptxas compiled is declared.
        String report = new String(resource(image.baseName() + ".ptxas.txt"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("Compiling entry function '([^']+)' for '([^']+)'").matcher(report);
        Set<String> compiled = new TreeSet<>();
        while (m.find()) {
            compiled.add(m.group(1) + " " + m.group(2));
        }
        Set<String> declared = new TreeSet<>();
        for (CudaKernels.Kernel k : image.kernels()) {
            for (String target : SASS_TARGETS) {
                declared.add(k.symbol() + " " + target);
            }
        }
        assertEquals(declared, compiled, "entry points in " + image.baseName() + ".ptxas.txt");
    }

    @ParameterizedTest
    @EnumSource(CudaKernels.Image.class)
    void thePtxNeedsACuda13DriverAndSm80(CudaKernels.Image image) {
        FatbinImage.Entry ptx = FatbinImage.parse(image.bytes()).entries().get(0);
        assertEquals(FatbinImage.PTX, ptx.kind());
        // PTX ISA 9.0 is what CudaProbe.MIN_DRIVER_VERSION (13000) is for.
        assertTrue(ptx.text().contains(".version 9.0\n"), "PTX ISA version of " + image.resource());
        assertTrue(ptx.text().contains(".target sm_80\n"), "PTX target of " + image.resource());
    }

    @ParameterizedTest
    @EnumSource(CudaKernels.Image.class)
    void theBuildRecordMatchesTheImage(CudaKernels.Image image) {
        Properties record = buildRecord(image);
        byte[] bytes = image.bytes();
        assertEquals(sha256(bytes), record.getProperty("fatbin.sha256"), image.resource()
                + " is not the image build.sh recorded: run src/main/cuda/build.sh and commit");
        assertEquals(String.valueOf(bytes.length), record.getProperty("fatbin.bytes"));
        assertTrue(record.getProperty("nvcc", "").startsWith("13."), "built by nvcc 13: " + record);
    }

    /** build.sh's inputs.sha256: SHA-256 of sha256sum's lines for build.sh, every .cuh, and the .cu. */
    private static String inputsSha256(CudaKernels.Image image) throws IOException {
        List<String> names = new ArrayList<>();
        names.add("build.sh");
        try (Stream<Path> files = Files.list(SOURCES)) {
            files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".cuh")).sorted().forEach(names::add);
        }
        names.add(image.baseName() + ".cu");
        StringBuilder lines = new StringBuilder();
        for (String name : names) {
            lines.append(sha256(Files.readAllBytes(SOURCES.resolve(name)))).append("  ").append(name).append('\n');
        }
        return sha256(lines.toString().getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @EnumSource(CudaKernels.Image.class)
    void theImageWasBuiltFromTheSourcesAsTheyAreNow(CudaKernels.Image image) throws IOException {
        assertEquals(inputsSha256(image), buildRecord(image).getProperty("inputs.sha256"),
                "stale kernels: " + image.baseName() + ".cu, a .cuh or build.sh changed since "
                        + image.baseName() + ".fatbin was built; run cuda-kernels/src/main/cuda/build.sh and commit");
    }

    @Test
    void noSourceUsesAnAnonymousNamespace() throws IOException {
        // nvcc names an anonymous namespace after the source's full path: the images would then differ with the
        // folder the repository is cloned into, and the kernels-check profile would call a fresh clone stale.
        try (Stream<Path> files = Files.list(SOURCES)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".cu") || f.toString().endsWith(".cuh")).toList()) {
                String text = Files.readString(f, StandardCharsets.UTF_8);
                assertFalse(Pattern.compile("namespace\\s*\\{").matcher(text).find(),
                        f.getFileName() + " opens an anonymous namespace; name it");
            }
        }
    }

    @Test
    void theSyntheticGeneratorIsNeverContractedIntoAnFma() {
        // A fused multiply-add rounds once where Java rounds twice: the weights would differ from the CPU's.
        String ptx = FatbinImage.parse(CudaKernels.Image.SYNTHETIC.bytes()).entries().get(0).text();
        assertFalse(ptx.contains("fma."), "synthetic.cu's PTX must not contain fma");
        assertTrue(ptx.contains("mul.rn.f32") && ptx.contains("add.rn.f32"), "explicitly rounded float operations");
    }

    @Test
    void kernelsAreListedUnderTheirImage() {
        assertArrayEquals(new CudaKernels.Kernel[] {CudaKernels.Kernel.SYNTHETIC_FILL_BF16,
                CudaKernels.Kernel.SYNTHETIC_PROMPT_TOKENS}, CudaKernels.Image.SYNTHETIC.kernels().toArray());
    }
}
