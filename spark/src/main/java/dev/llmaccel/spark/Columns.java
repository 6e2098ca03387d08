package dev.llmaccel.spark;

import java.util.Arrays;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/** The schema checks of the stages: on the driver, before any task runs, with the columns named. */
final class Columns {
    private Columns() {}

    /** The column exists and has this type. */
    static void require(StructType schema, String column, DataType type, String role) {
        if (!Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("the " + role + " column '" + column + "' is not in the data: "
                    + schema.simpleString());
        }
        DataType actual = schema.apply(column).dataType();
        if (!actual.sameType(type)) {
            throw new IllegalArgumentException("the " + role + " column '" + column + "' must be " + type.simpleString()
                    + ", it is " + actual.simpleString());
        }
    }

    static void requireString(StructType schema, String column, String role) {
        require(schema, column, org.apache.spark.sql.types.DataTypes.StringType, role);
    }

    /** The output column does not exist yet. */
    static void requireAbsent(StructType schema, String column) {
        if (Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("the output column '" + column + "' already exists: " + schema.simpleString());
        }
    }
}
