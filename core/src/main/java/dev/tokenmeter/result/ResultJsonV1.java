package dev.tokenmeter.result;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Reads results of schema version 1 by rewriting their JSON as version 2 before it is bound. Version 1 had one
 * field per scenario where version 2 has one for every scenario: {@code spec.offline} (with {@code spec.measurement}
 * beside it) or {@code spec.serving} became {@code spec.scenario}, a spec that names its kind; the offline
 * scenario's {@code points} and the serving scenario's {@code servingPoints} became {@code points}, each naming its
 * kind. Every other field reads as it was. The kind names are version 1's {@code "scenario"} values.
 */
final class ResultJsonV1 {
    private ResultJsonV1() {
    }

    /** Rewrites a version-1 result in place as version 2. */
    static void upgrade(ObjectNode result) {
        JsonNode spec = result.get("spec");
        boolean serving = "serving".equals(result.path("scenario").asText())
                || (spec != null && spec.hasNonNull("serving"));
        String kind = serving ? "serving" : "offline";
        if (spec instanceof ObjectNode s) {
            ObjectNode scenario = s.objectNode();
            scenario.put("kind", kind);
            if (serving) {
                scenario.setAll((ObjectNode) s.get("serving"));
            } else {
                JsonNode offline = s.get("offline");
                if (offline instanceof ObjectNode o) {
                    scenario.setAll(o);
                }
                scenario.set("measurement", s.get("measurement"));
            }
            s.remove("offline");
            s.remove("serving");
            s.remove("measurement");
            s.set("scenario", scenario);
        }
        JsonNode points = result.get(serving ? "servingPoints" : "points");
        ArrayNode upgraded = result.arrayNode();
        if (points instanceof ArrayNode list) {
            for (JsonNode p : list) {
                if (p instanceof ObjectNode o) {
                    ObjectNode withKind = o.objectNode();
                    withKind.put("kind", kind);
                    withKind.setAll(o);
                    upgraded.add(withKind);
                } else {
                    upgraded.add(p);
                }
            }
        }
        result.remove("servingPoints");
        result.set("points", upgraded);
        result.put("scenario", kind);
        result.put("schemaVersion", Result.SCHEMA_VERSION);
    }
}
