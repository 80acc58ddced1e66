package dev.tokenmeter.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.tokenmeter.backend.Availability;
import dev.tokenmeter.backend.Backend;
import dev.tokenmeter.backend.BackendProvider;
import dev.tokenmeter.backend.Backends;
import dev.tokenmeter.backend.DeviceCeilings;
import dev.tokenmeter.backend.DeviceInfo;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.RunDescription;
import dev.tokenmeter.result.TextTable;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tokenmeter devices}: every backend found on the class path, whether it can run here and why, and for
 * the usable ones the device with its measured ceilings (measuring takes about a second per device).
 */
@Command(name = "devices", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Lists the backends found, whether each is usable here and why, and their devices with"
                + " measured ceilings.")
final class DevicesCommand implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    /** One backend, as printed with --json; device is null when it is not usable or failed to open. */
    record Entry(String backend, String description, int autoPriority, boolean usable, String reason,
            DeviceInfo device, String error) {
    }

    @Override
    public Integer call() throws JsonProcessingException {
        List<Entry> entries = new ArrayList<>();
        for (BackendProvider p : Backends.providers()) {
            Availability a = p.availability();
            DeviceInfo device = null;
            String error = null;
            if (a.usable()) {
                try (Backend b = p.open()) {
                    device = b.device();
                } catch (RuntimeException e) {
                    // One broken backend must not hide the others.
                    error = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
                }
            }
            entries.add(new Entry(p.name(), p.description(), p.autoPriority(), a.usable(), a.reason(), device, error));
        }
        PrintWriter out = command.commandLine().getOut();
        if (json) {
            out.println(ResultJson.mapper().writeValueAsString(entries));
        } else if (entries.isEmpty()) {
            out.println("no backend found on the class path");
        } else {
            for (Entry e : entries) {
                print(out, e);
            }
            if (entries.stream().noneMatch(e -> e.backend().equals("cuda"))) {
                out.println("cuda: not in this build");
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }

    private static void print(PrintWriter out, Entry e) {
        out.println(e.backend() + ": " + (e.usable() ? "usable" : "not usable") + " (" + e.reason() + ")");
        out.println("  " + e.description());
        if (e.error() != null) {
            out.println("  failed to open: " + e.error());
        }
        DeviceInfo d = e.device();
        if (d == null) {
            return;
        }
        line(out, "device", d.name() + " (" + d.kind() + ", " + d.computeUnits()
                + ("gpu".equals(d.kind()) ? " SMs" : " cores") + ")");
        // The CPU backend's memory is the JVM's heap, not the host's.
        line(out, "memory", TextTable.bytes(d.memoryBytes()) + ("gpu".equals(d.kind()) ? "" : " JVM heap")
                + " available to the backend"
                + (d.cacheBytes() > 0 ? ", last-level cache " + TextTable.bytes(d.cacheBytes()) : ""));
        line(out, "measured", ceilings(d.measured()));
        line(out, "datasheet", d.datasheet() == null ? "none known" : ceilings(d.datasheet()));
        for (Map.Entry<String, String> kv : new java.util.TreeMap<>(d.details()).entrySet()) {
            line(out, kv.getKey(), kv.getValue());
        }
    }

    private static void line(PrintWriter out, String label, String value) {
        out.println(String.format("  %-10s %s", label, value));
    }

    private static String ceilings(DeviceCeilings c) {
        return RunDescription.ceilings(c);
    }
}
