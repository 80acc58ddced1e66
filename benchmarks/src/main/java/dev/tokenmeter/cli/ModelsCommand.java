package dev.tokenmeter.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.tokenmeter.model.ModelAccounting;
import dev.tokenmeter.model.ModelConfig;
import dev.tokenmeter.model.ModelPresets;
import dev.tokenmeter.model.WeightDtype;
import dev.tokenmeter.result.ResultJson;
import dev.tokenmeter.result.RunDescription;
import dev.tokenmeter.result.TextTable;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokenmeter models}: the model presets and their derived sizes. */
@Command(name = "models", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Lists the model presets: shape, parameters, weight and KV-cache sizes (bf16).")
final class ModelsCommand implements Callable<Integer> {
    /** bf16 figures: what a GPU run stores, whatever a preset's own dtype. */
    private static final int BF16_BYTES = WeightDtype.BF16.bytes();

    @Spec
    CommandSpec command;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    /** One preset, as printed with --json. */
    record Row(String name, long parameters, int layers, int hidden, int heads, int kvHeads, int headDim, int ffn,
            int vocab, boolean tiedEmbeddings, long weightBytesBf16, long kvBytesPerTokenBf16, int maxPositions,
            double ropeTheta, ModelConfig config) {
        static Row of(ModelConfig c) {
            ModelAccounting a = c.accounting();
            return new Row(c.name(), a.parameterCount(), c.layers(), c.hidden(), c.heads(), c.kvHeads(), c.headDim(),
                    c.ffn(), c.vocab(), c.tiedEmbeddings(), a.parameterCount() * BF16_BYTES,
                    a.kvBytesPerToken(BF16_BYTES), c.maxPositions(), c.ropeTheta(), c);
        }
    }

    @Override
    public Integer call() throws JsonProcessingException {
        List<Row> rows = new ArrayList<>();
        for (ModelConfig c : ModelPresets.all().values()) {
            rows.add(Row.of(c));
        }
        PrintWriter out = command.commandLine().getOut();
        if (json) {
            out.println(ResultJson.mapper().writeValueAsString(rows));
        } else {
            TextTable t = new TextTable().left("name").right("params").right("layers").right("hidden")
                    .right("heads/kv").right("head dim").right("ffn").right("vocab").left("tied")
                    .right("weights GB bf16").right("KV B/token bf16").right("max positions");
            for (Row r : rows) {
                t.row(r.name(), RunDescription.params(r.parameters()), str(r.layers()), str(r.hidden()),
                        r.heads() + "/" + r.kvHeads(), str(r.headDim()), str(r.ffn()), str(r.vocab()),
                        r.tiedEmbeddings() ? "yes" : "no", TextTable.significant(r.weightBytesBf16() / 1e9, 3),
                        Long.toString(r.kvBytesPerTokenBf16()), str(r.maxPositions()));
            }
            out.print(t.render());
            out.println("Weights are synthetic (a deterministic generator, the same bits on every backend); only the"
                    + " shapes are the published ones. Any Hugging Face config.json can be given to --model instead.");
        }
        out.flush();
        return Main.EXIT_OK;
    }

    private static String str(int v) {
        return Integer.toString(v);
    }
}
