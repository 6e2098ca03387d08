package dev.llmaccel.grammar;

import java.util.List;

/** The parsed form of a grammar rule's right-hand side, before it is compiled to bytes. */
sealed interface Expr {
    /** One code point out of a set (a literal's character, a class, {@code .}). */
    record Chars(CodePointSet set) implements Expr {}

    /** A reference to a named rule; offset is where the name stands in the source (code points). */
    record Ref(String name, int offset) implements Expr {}

    /** Items one after another; empty matches the empty string. */
    record Seq(List<Expr> items) implements Expr {}

    /** Any one of the options. */
    record Alt(List<Expr> options) implements Expr {}

    /** The item min to max times (max -1: no limit); offset is where the quantifier stands. */
    record Repeat(Expr item, int min, int max, int offset) implements Expr {}

    /** A named rule and where its name stands in the source. */
    record Rule(String name, Expr body, int offset) {}
}
