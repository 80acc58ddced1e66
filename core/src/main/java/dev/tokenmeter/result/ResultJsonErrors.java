package dev.tokenmeter.result;

import com.fasterxml.jackson.annotation.JsonTypeName;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.tokenmeter.InputFiles;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What is wrong with a result file whose JSON is well formed but is not a result, in the file's terms: the field by
 * its path in the file ({@code points[0].batch}) and what it must be, never the Java classes and exceptions that
 * found it ("Cannot construct instance of `dev.tokenmeter...`", "Cannot invoke ... because "coll" is null").
 */
final class ResultJsonErrors {
    /** A Java identifier alone: the message of {@code Objects.requireNonNull(value, "field")}. */
    private static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** The values Jackson lists for an enum it could not match. */
    private static final Pattern ACCEPTED = Pattern.compile("accepted for Enum class: \\[([^]]*)]");

    private ResultJsonErrors() {
    }

    /** "points[0].batch: "four" is not an integer". */
    static String describe(JsonProcessingException e) {
        if (!(e instanceof JsonMappingException m)) {
            return InputFiles.jsonSyntax(e);
        }
        String path = path(m.getPath());
        String at = path.isEmpty() ? "" : path + ": ";
        if (m instanceof InvalidTypeIdException t) {
            String kinds = String.join(", ", kinds());
            return t.getTypeId() == null ? at + "no \"kind\" (one of " + kinds + ")"
                    : at + "\"kind\" '" + t.getTypeId() + "' is not a scenario this tokenmeter knows (" + kinds + ")";
        }
        if (m instanceof ValueInstantiationException) {
            Throwable cause = m.getCause() == null ? m : m.getCause();
            String message = cause.getMessage() == null ? "" : cause.getMessage();
            if (cause instanceof NullPointerException && FIELD_NAME.matcher(message).matches()) {
                return (path.isEmpty() ? "" : path + ".") + message + " is missing";
            }
            return at + cause(cause);
        }
        if (m instanceof InvalidFormatException f) {
            return at + shown(f.getValue()) + " is not " + expected(f.getTargetType(), m.getOriginalMessage());
        }
        if (m instanceof MismatchedInputException mi && mi.getTargetType() != null) {
            return at + "must be " + expected(mi.getTargetType(), m.getOriginalMessage());
        }
        return at + InputFiles.jsonSyntax(e);
    }

    /**
     * A check's own message where it is written for people (a spec's or a record's refusal); where it is the JVM's
     * (a null met where a value was needed), only that a field is missing or of the wrong kind.
     */
    static String cause(Throwable cause) {
        if (cause instanceof IllegalArgumentException && cause.getMessage() != null) {
            return cause.getMessage();
        }
        if (cause instanceof NullPointerException && cause.getMessage() != null
                && FIELD_NAME.matcher(cause.getMessage()).matches()) {
            return cause.getMessage() + " is missing";
        }
        return "a field is missing, null, or of the wrong kind";
    }

    /** "points[0].trials[3].prefillMs". */
    private static String path(List<JsonMappingException.Reference> references) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : references) {
            if (r.getFieldName() != null) {
                sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /** What a value of {@code type} looks like in JSON. */
    private static String expected(Class<?> type, String parserMessage) {
        if (type == null) {
            return "of another kind";
        }
        if (type.isEnum()) {
            Matcher m = ACCEPTED.matcher(parserMessage == null ? "" : parserMessage);
            return m.find() ? "one of " + m.group(1) : "one of the names tokenmeter writes";
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class
                || type == short.class || type == Short.class) {
            return "an integer";
        }
        if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "a list";
        }
        return Map.class.isAssignableFrom(type) || !type.isPrimitive() ? "an object" : "of another kind";
    }

    private static String shown(Object value) {
        return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
    }

    /** The scenarios' names, as JSON's "kind" gives them. */
    private static List<String> kinds() {
        List<String> out = new ArrayList<>();
        for (Class<?> c : ScenarioSpec.class.getPermittedSubclasses()) {
            JsonTypeName name = c.getAnnotation(JsonTypeName.class);
            out.add(name == null ? c.getSimpleName() : name.value());
        }
        return out;
    }
}
