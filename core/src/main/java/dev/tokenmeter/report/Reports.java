package dev.tokenmeter.report;

import dev.tokenmeter.result.Column;
import dev.tokenmeter.result.Detail;
import dev.tokenmeter.result.Result;
import dev.tokenmeter.result.ScenarioPoint;
import dev.tokenmeter.result.ScenarioSpec;
import dev.tokenmeter.result.ScenarioType;
import java.util.List;

/** What every renderer asks of a result's scenario, with the scenario's types made concrete once, here. */
final class Reports {
    private Reports() {
    }

    /** The lines the scenario adds to the header. */
    static List<Detail> details(Result r) {
        return details(r.type(), r);
    }

    private static <S extends ScenarioSpec, P extends ScenarioPoint> List<Detail> details(ScenarioType<S, P> type,
            Result r) {
        return type.details(type.specType().cast(r.spec().scenario()));
    }

    /** The lines under the points' table. */
    static List<String> footnotes(Result r) {
        return footnotes(r.type(), r);
    }

    private static <S extends ScenarioSpec, P extends ScenarioPoint> List<String> footnotes(ScenarioType<S, P> type,
            Result r) {
        return type.footnotes(r.points(type.pointType()));
    }

    /** A point's cells in {@code columns}. */
    static <P> String[] cells(List<Column<P>> columns, P point) {
        String[] out = new String[columns.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = columns.get(i).cell().apply(point);
        }
        return out;
    }
}
